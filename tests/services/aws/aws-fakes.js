// aws-fakes.js — the fake AWS endpoint of the tests on 127.0.0.1:${MAELSTROM_TEST_AWS_FAKES_PORT:-9325}: Step
// Functions activities (AWS JSON 1.0), Auto Scaling's CompleteLifecycleAction (query protocol) and the EC2
// instance metadata service (IMDSv2), with every AWS request's SigV4 signature verified.
// SPDX-License-Identifier: Apache-2.0
//
// Started by tests/services/start-aws-fakes.sh; routes, formats and test-control routes (/_test/...) are in
// README.md. Tests point AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_AUTO_SCALING and AWS_EC2_METADATA_SERVICE_ENDPOINT
// here; requests are told apart by what they carry: X-Amz-Target AWSStepFunctions.* is Step Functions, a form
// Action= is Auto Scaling, /latest/... is the metadata service. Node's standard library only.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');
const sigv4 = require('./sigv4');

const HOST = '127.0.0.1';
const PORT = Number(process.env.MAELSTROM_TEST_AWS_FAKES_PORT || 9325);
const MAX_BODY = 2 * 1024 * 1024;
const MAX_LOG = 50000;
const ASG_XMLNS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
const SFN_MODEL = 'com.amazonaws.swf.service.v2.model';
const CORAL = 'com.amazon.coral.service';

const DEFAULT_CREDENTIALS = [{ accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' }];
const DEFAULT_CONFIG = {
  getActivityTaskHoldMs: 60000, // how long GetActivityTask waits for a task (AWS: 60 s)
  listActivitiesPageSize: 2, // ListActivities pages at most this many (so clients must follow nextToken)
  credentialsExpiration: null, // ISO time the metadata service's role credentials expire at; null: issue + TTL
  credentialsTtlSeconds: 21600, // lifetime of the role credentials when credentialsExpiration is null
  roleName: 'maelstrom-test-role',
  instanceId: 'i-0123456789abcdef0',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  accountId: '123456789012',
  targetLifecycleState: 'InService', // /latest/meta-data/autoscaling/target-lifecycle-state
  maxClockSkewSeconds: 900 // X-Amz-Date this far from the clock: signature expired
};

let state = freshState();

function freshState() {
  return {
    config: { ...DEFAULT_CONFIG },
    staticCredentials: DEFAULT_CREDENTIALS.map((c) => ({ ...c })),
    issuedCredentials: new Map(), // access key -> {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}
    imdsCredentials: null, // the set the role path serves now
    imdsTokens: new Map(), // token -> expiry (ms)
    credentialFetches: 0,
    activities: new Map(), // arn -> {activityArn, name, creationDate (s)}
    tasks: new Map(), // token -> task
    taskSeq: 0,
    pollers: [], // open GetActivityTask calls: {activityArn, workerName, since, deliver(task|null)}
    lifecycleActions: [],
    spot: null, // {action, time}
    faults: [],
    requests: []
  };
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

const requestId = () => crypto.randomUUID();
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function xmlEscape(text) {
  return String(text).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

class AwsError extends Error {
  // code: the bare AWS error code (TaskDoesNotExist, ValidationError, ...); namespace: the JSON __type prefix.
  constructor(code, message, status = 400, namespace = SFN_MODEL) {
    super(message);
    this.code = code;
    this.status = status;
    this.namespace = namespace;
  }
}

function send(res, status, headers, body) {
  if (res.writableEnded || res.destroyed) {
    return;
  }
  res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJson(res, status, value) {
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(value, null, 1) + '\n');
}

function awsJson(res, status, value) {
  send(res, status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() }, JSON.stringify(value));
}

function awsJsonError(res, e) {
  send(res, e.status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId(),
    'x-amzn-errortype': e.code
  }, JSON.stringify({ __type: `${e.namespace}#${e.code}`, message: e.message }));
}

function queryXml(res, status, body) {
  send(res, status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() }, body);
}

function queryError(res, e) {
  queryXml(res, e.status, `<?xml version="1.0"?>\n<ErrorResponse xmlns="${ASG_XMLNS}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}` +
    `</Type><Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.message)}</Message></Error>` +
    `<RequestId>${requestId()}</RequestId></ErrorResponse>`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AwsError('RequestTooLarge', 'request body too large', 413, CORAL));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function record(req, fields) {
  const entry = {
    startedAt: Date.now(),
    at: Date.now(),
    pending: true,
    remote: req.socket.remoteAddress,
    remotePort: req.socket.remotePort,
    userAgent: req.headers['user-agent'] || '',
    ...fields
  };
  state.requests.push(entry);
  if (state.requests.length > MAX_LOG) {
    state.requests.splice(0, state.requests.length - MAX_LOG);
  }
  return entry;
}

function finish(entry, status, extra = {}) {
  Object.assign(entry, extra, { status, pending: false, at: Date.now() });
  const sig = entry.signatureValid === true ? 'signed' : entry.signatureValid === false ? `BAD-SIGNATURE(${entry.signatureCode}: ${entry.signatureError})` : '';
  console.log([
    new Date(entry.at).toISOString(),
    `${entry.remote}:${entry.remotePort}`,
    entry.service,
    entry.action,
    `-> ${status}${entry.errorCode ? ' ' + entry.errorCode : ''}`,
    `${entry.at - entry.startedAt}ms`,
    sig,
    entry.accessKeyId ? `key=${entry.accessKeyId}` : '',
    entry.workerName ? `worker=${entry.workerName}` : ''
  ].filter(Boolean).join(' '));
}

function takeFault(service, action) {
  const fault = state.faults.find((f) => f.remaining > 0 && (!f.service || f.service === service) && (!f.action || f.action === action));
  if (!fault) {
    return null;
  }
  fault.remaining -= 1;
  return new AwsError(fault.code, fault.message, fault.status,
    fault.code === 'ThrottlingException' ? 'com.amazon.coral.availability' : CORAL);
}

// ---------------------------------------------------------------------------------------------------------------
// credentials

function lookupCredentials(accessKeyId) {
  const fixed = state.staticCredentials.find((c) => c.accessKeyId === accessKeyId);
  if (fixed) {
    return { secretAccessKey: fixed.secretAccessKey, sessionToken: fixed.sessionToken || '' };
  }
  const issued = state.issuedCredentials.get(accessKeyId);
  if (issued) {
    return { secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken, expiration: issued.expiration };
  }
  return undefined;
}

function randomKey(prefix, length) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = prefix;
  for (const b of crypto.randomBytes(length)) {
    out += alphabet[b % alphabet.length];
  }
  return out;
}

// The role credentials the metadata service serves: issued on first use, again once expired (or after a config
// change or /_test/imds/rotate); every set issued stays valid for signing until its own expiration.
function imdsCredentials() {
  const now = Date.now();
  let c = state.imdsCredentials;
  if (!c || c.expiration <= now) {
    const expiration = state.config.credentialsExpiration
      ? Date.parse(state.config.credentialsExpiration)
      : now + state.config.credentialsTtlSeconds * 1000;
    c = {
      accessKeyId: randomKey('ASIA', 16),
      secretAccessKey: crypto.randomBytes(30).toString('base64'),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + crypto.randomBytes(240).toString('base64'),
      expiration,
      issuedAt: now
    };
    state.imdsCredentials = c;
    state.issuedCredentials.set(c.accessKeyId, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Step Functions

function activityArn(name, region) {
  return `arn:aws:states:${region || state.config.region}:${state.config.accountId}:activity:${name}`;
}

function requireString(input, name) {
  const v = input[name];
  if (typeof v !== 'string' || v === '') {
    throw new AwsError('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`, 400, 'com.amazon.coral.validate');
  }
  return v;
}

function activityOf(arn) {
  const a = state.activities.get(arn);
  if (!a) {
    if (!/^arn:aws[a-z-]*:states:[^:]*:\d*:activity:.+$/.test(arn)) {
      throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    }
    throw new AwsError('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);
  }
  return a;
}

function createActivity(name, region) {
  if (!/^[A-Za-z0-9_\-.]{1,80}$/.test(name)) {
    throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
  }
  for (const a of state.activities.values()) {
    if (a.name === name) {
      return a; // CreateActivity is idempotent
    }
  }
  const a = { activityArn: activityArn(name, region), name, creationDate: Date.now() / 1000 };
  state.activities.set(a.activityArn, a);
  return a;
}

function taskView(t) {
  return {
    id: t.id,
    taskToken: t.taskToken,
    activityArn: t.activityArn,
    activityName: t.activityName,
    input: t.input,
    state: t.state,
    status: t.state,
    output: t.output,
    error: t.error,
    cause: t.cause,
    heartbeats: t.heartbeats,
    workerName: t.workerName,
    workerNames: t.workerNames,
    createdAt: t.createdAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    lastHeartbeatAt: t.lastHeartbeatAt
  };
}

function startTask(task, workerName) {
  task.state = 'running';
  task.workerName = workerName;
  task.workerNames.push(workerName);
  task.startedAt = Date.now();
}

// Hands a newly queued task to the first open GetActivityTask of its activity, if any.
function dispatch(task) {
  const i = state.pollers.findIndex((p) => p.activityArn === task.activityArn);
  if (i >= 0) {
    const [poller] = state.pollers.splice(i, 1);
    startTask(task, poller.workerName);
    poller.deliver(task);
  }
}

function liveTask(input) {
  const token = requireString(input, 'taskToken');
  const task = state.tasks.get(token);
  if (!task || task.state === 'queued') {
    throw new AwsError('TaskDoesNotExist', 'Task Does Not Exist');
  }
  if (task.state !== 'running') {
    throw new AwsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
  }
  return task;
}

const STATES = {
  ListActivities(input) {
    const size = Math.max(1, Math.min(state.config.listActivitiesPageSize, input.maxResults > 0 ? input.maxResults : Infinity));
    let offset = 0;
    if (input.nextToken) {
      try {
        offset = JSON.parse(Buffer.from(input.nextToken, 'base64url').toString('utf8')).offset;
      } catch {
        offset = NaN;
      }
      if (!Number.isInteger(offset) || offset < 0) {
        throw new AwsError('InvalidToken', `Invalid Token: '${input.nextToken}'`);
      }
    }
    const all = [...state.activities.values()];
    const page = all.slice(offset, offset + size);
    const out = { activities: page.map((a) => ({ activityArn: a.activityArn, name: a.name, creationDate: a.creationDate })) };
    if (offset + page.length < all.length) {
      out.nextToken = Buffer.from(JSON.stringify({ offset: offset + page.length })).toString('base64url');
    }
    return out;
  },
  CreateActivity(input, ctx) {
    const a = createActivity(requireString(input, 'name'), ctx.region);
    return { activityArn: a.activityArn, creationDate: a.creationDate };
  },
  DescribeActivity(input) {
    const a = activityOf(requireString(input, 'activityArn'));
    return { activityArn: a.activityArn, name: a.name, creationDate: a.creationDate };
  },
  DeleteActivity(input) {
    state.activities.delete(requireString(input, 'activityArn'));
    return {};
  },
  GetActivityTask(input, ctx) {
    const arn = requireString(input, 'activityArn');
    activityOf(arn);
    const workerName = typeof input.workerName === 'string' ? input.workerName : '';
    Object.assign(ctx.entry, { activityArn: arn, workerName });
    const queued = [...state.tasks.values()].find((t) => t.activityArn === arn && t.state === 'queued');
    if (queued) {
      startTask(queued, workerName);
      ctx.entry.taskToken = queued.taskToken;
      return { taskToken: queued.taskToken, input: queued.input };
    }
    // Long poll: answered by dispatch() when a task comes, else {} when the hold ends; a client that goes away
    // leaves the queue of pollers (so no task is handed to a connection nobody reads).
    return new Promise((resolve) => {
      const poller = {
        activityArn: arn,
        workerName,
        since: Date.now(),
        remotePort: ctx.entry.remotePort,
        deliver(task) {
          clearTimeout(timer);
          if (task) {
            ctx.entry.taskToken = task.taskToken;
            resolve({ taskToken: task.taskToken, input: task.input });
          } else {
            resolve({});
          }
        }
      };
      const leave = () => {
        const i = state.pollers.indexOf(poller);
        if (i >= 0) {
          state.pollers.splice(i, 1);
        }
      };
      const timer = setTimeout(() => {
        leave();
        resolve({});
      }, state.config.getActivityTaskHoldMs);
      ctx.onClose(() => {
        leave();
        clearTimeout(timer);
        ctx.entry.closedByClient = true;
        resolve({});
      });
      state.pollers.push(poller);
    });
  },
  SendTaskSuccess(input, ctx) {
    const task = liveTask(input);
    ctx.entry.taskToken = task.taskToken;
    const output = typeof input.output === 'string' ? input.output : '';
    try {
      JSON.parse(output);
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    Object.assign(task, { state: 'succeeded', output, finishedAt: Date.now() });
    return {};
  },
  SendTaskFailure(input, ctx) {
    const task = liveTask(input);
    ctx.entry.taskToken = task.taskToken;
    Object.assign(task, {
      state: 'failed',
      error: typeof input.error === 'string' ? input.error : '',
      cause: typeof input.cause === 'string' ? input.cause : '',
      finishedAt: Date.now()
    });
    return {};
  },
  SendTaskHeartbeat(input, ctx) {
    const task = liveTask(input);
    ctx.entry.taskToken = task.taskToken;
    task.heartbeats += 1;
    task.lastHeartbeatAt = Date.now();
    return {};
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Auto Scaling

const AUTOSCALING = {
  CompleteLifecycleAction(params) {
    for (const name of ['AutoScalingGroupName', 'LifecycleHookName', 'LifecycleActionResult']) {
      if (!params.get(name)) {
        throw new AwsError('ValidationError', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
      }
    }
    if (!params.get('LifecycleActionToken') && !params.get('InstanceId')) {
      throw new AwsError('ValidationError', 'Either LifecycleActionToken or InstanceId must be given');
    }
    if (!['CONTINUE', 'ABANDON'].includes(params.get('LifecycleActionResult'))) {
      throw new AwsError('ValidationError', `Invalid LifecycleActionResult '${params.get('LifecycleActionResult')}' (CONTINUE or ABANDON)`);
    }
    return '<CompleteLifecycleActionResult/>';
  },
  RecordLifecycleActionHeartbeat(params) {
    for (const name of ['AutoScalingGroupName', 'LifecycleHookName']) {
      if (!params.get(name)) {
        throw new AwsError('ValidationError', `1 validation error detected: Value null at '${name}'`);
      }
    }
    return '<RecordLifecycleActionHeartbeatResult/>';
  }
};

function lifecycleRecord(params, entry) {
  return {
    at: entry.startedAt,
    action: params.get('Action'),
    AutoScalingGroupName: params.get('AutoScalingGroupName') || '',
    LifecycleHookName: params.get('LifecycleHookName') || '',
    LifecycleActionToken: params.get('LifecycleActionToken') || '',
    InstanceId: params.get('InstanceId') || '',
    LifecycleActionResult: params.get('LifecycleActionResult') || '',
    Version: params.get('Version') || '',
    signatureValid: entry.signatureValid,
    signatureError: entry.signatureError || '',
    accessKeyId: entry.accessKeyId || '',
    region: entry.region || ''
  };
}

// ---------------------------------------------------------------------------------------------------------------
// AWS requests

async function handleAws(req, res, url) {
  const body = await readBody(req);
  const target = req.headers['x-amz-target'];
  const format = target ? 'json' : 'query';
  let service;
  let action;
  let params;
  let input;
  if (target) {
    const dot = String(target).lastIndexOf('.');
    action = String(target).slice(dot + 1);
    service = String(target).slice(0, dot) === 'AWSStepFunctions' ? 'states' : 'unknown';
  } else {
    params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
      params.append(k, v);
    }
    action = params.get('Action') || '';
    service = action ? 'autoscaling' : 'unknown';
  }
  const entry = record(req, { service, action, format });
  const fail = (e) => {
    finish(entry, e.status, { errorCode: e.code });
    return format === 'json' ? awsJsonError(res, e) : queryError(res, e);
  };
  if (service === 'unknown') {
    return fail(target
      ? new AwsError('UnknownOperationException', `unknown target '${target}' (this fake serves AWSStepFunctions.*)`, 400, CORAL)
      : new AwsError('MissingAction', 'no X-Amz-Target header and no Action parameter: not a Step Functions or Auto Scaling request'));
  }

  const q = req.url.indexOf('?');
  const verdict = sigv4.verify(
    { method: req.method, path: url.pathname, query: q < 0 ? '' : req.url.slice(q + 1), headers: sigv4.rawHeaderPairs(req), body },
    { service, lookup: lookupCredentials, maxSkewMs: state.config.maxClockSkewSeconds * 1000 }
  );
  Object.assign(entry, {
    signatureValid: verdict.ok,
    accessKeyId: verdict.accessKeyId || '',
    region: verdict.region || ''
  });
  if (!verdict.ok) {
    Object.assign(entry, { signatureCode: verdict.code, signatureError: verdict.reason });
    if (verdict.canonicalRequest) {
      entry.canonicalRequest = verdict.canonicalRequest;
      entry.stringToSign = verdict.stringToSign;
    }
  }
  if (service === 'autoscaling' && AUTOSCALING[action]) {
    // Recorded signed or not, so a test sees a call it rejected and why.
    state.lifecycleActions.push(lifecycleRecord(params, entry));
  }
  if (!verdict.ok) {
    const jsonCodes = {
      MissingAuthenticationToken: 'MissingAuthenticationTokenException',
      IncompleteSignature: 'IncompleteSignatureException',
      InvalidClientTokenId: 'UnrecognizedClientException',
      ExpiredToken: 'ExpiredTokenException',
      SignatureDoesNotMatch: 'InvalidSignatureException'
    };
    const message = verdict.code === 'SignatureDoesNotMatch'
      ? `The request signature we calculated does not match the signature you provided (${verdict.reason}).`
      : verdict.reason;
    return fail(new AwsError(format === 'json' ? jsonCodes[verdict.code] : verdict.code, message, 403, CORAL));
  }
  const fault = takeFault(service, action);
  if (fault) {
    return fail(fault);
  }

  try {
    if (service === 'states') {
      const handler = STATES[action];
      if (!handler) {
        throw new AwsError('UnknownOperationException', `unknown operation ${action}`, 400, CORAL);
      }
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new AwsError('SerializationException', 'the body is not JSON', 400, CORAL);
      }
      const closers = [];
      res.on('close', () => {
        if (!res.writableEnded) {
          closers.forEach((fn) => fn());
        }
      });
      const ctx = { entry, region: entry.region, onClose: (fn) => closers.push(fn) };
      const out = await handler(input || {}, ctx);
      finish(entry, 200);
      return awsJson(res, 200, out);
    }
    const handler = AUTOSCALING[action];
    if (!handler) {
      throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    const result = handler(params);
    finish(entry, 200);
    return queryXml(res, 200, `<?xml version="1.0"?>\n<${action}Response xmlns="${ASG_XMLNS}">${result}` +
      `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`);
  } catch (e) {
    if (!(e instanceof AwsError)) {
      console.log(`aws-fakes: ${e.stack || e}`);
      return fail(new AwsError('InternalFailure', String(e), 500, CORAL));
    }
    return fail(e);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// instance metadata (IMDSv2)

function handleImds(req, res, url) {
  const path = url.pathname;
  const entry = record(req, { service: 'imds', action: `${req.method} ${path}`, signatureValid: null });
  const text = (status, body, type = 'text/plain') => {
    finish(entry, status);
    send(res, status, { 'content-type': type }, body);
  };
  if (path === '/latest/api/token') {
    if (req.method !== 'PUT') {
      return text(405, 'Method Not Allowed');
    }
    const ttlText = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
    const ttl = Number(ttlText);
    if (!ttlText || !/^\d+$/.test(ttlText) || ttl < 1 || ttl > 21600) {
      return text(400, 'Bad Request: X-aws-ec2-metadata-token-ttl-seconds must be 1..21600');
    }
    const token = crypto.randomBytes(42).toString('base64');
    state.imdsTokens.set(token, Date.now() + ttl * 1000);
    finish(entry, 200);
    return send(res, 200, { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) }, token);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return text(405, 'Method Not Allowed');
  }
  const token = req.headers['x-aws-ec2-metadata-token'];
  const expiry = token && state.imdsTokens.get(token);
  if (!expiry || expiry <= Date.now()) {
    return text(401, 'Unauthorized');
  }
  const c = state.config;
  const meta = path.startsWith('/latest/meta-data/') ? path.slice('/latest/meta-data/'.length) : null;
  const roles = 'iam/security-credentials';
  if (meta === '') {
    return text(200, ['ami-id', 'autoscaling/', 'iam/', 'instance-id', 'instance-type', 'placement/', 'spot/'].join('\n'));
  }
  if (meta === 'instance-id') {
    return text(200, c.instanceId);
  }
  if (meta === 'ami-id') {
    return text(200, 'ami-0123456789abcdef0');
  }
  if (meta === 'instance-type') {
    return text(200, 't3.micro');
  }
  if (meta === 'placement/region') {
    return text(200, c.region);
  }
  if (meta === 'placement/availability-zone') {
    return text(200, c.availabilityZone);
  }
  if (meta === 'autoscaling/target-lifecycle-state') {
    return text(200, c.targetLifecycleState);
  }
  if (meta === 'iam/info') {
    return text(200, JSON.stringify({
      Code: 'Success',
      LastUpdated: isoSeconds(Date.now()),
      InstanceProfileArn: `arn:aws:iam::${c.accountId}:instance-profile/${c.roleName}`,
      InstanceProfileId: 'AIPAFAKEINSTANCEPROFILE'
    }, null, 2));
  }
  if (meta === roles || meta === roles + '/') {
    return text(200, c.roleName);
  }
  if (meta === `${roles}/${c.roleName}`) {
    const creds = imdsCredentials();
    state.credentialFetches += 1;
    entry.accessKeyId = creds.accessKeyId;
    return text(200, JSON.stringify({
      Code: 'Success',
      LastUpdated: isoSeconds(creds.issuedAt),
      Type: 'AWS-HMAC',
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration)
    }, null, 2));
  }
  if (meta === 'spot/instance-action' && state.spot) {
    return text(200, JSON.stringify(state.spot));
  }
  if (path === '/latest/dynamic/instance-identity/document') {
    return text(200, JSON.stringify({
      accountId: c.accountId,
      availabilityZone: c.availabilityZone,
      instanceId: c.instanceId,
      instanceType: 't3.micro',
      region: c.region,
      imageId: 'ami-0123456789abcdef0',
      architecture: 'x86_64'
    }, null, 2));
  }
  return text(404, 'Not Found');
}

// ---------------------------------------------------------------------------------------------------------------
// test control

function findTask(key) {
  return state.tasks.get(key) || [...state.tasks.values()].find((t) => t.id === key);
}

function releasePollers() {
  for (const p of state.pollers.splice(0)) {
    p.deliver(null);
  }
}

function enqueueTask(json) {
  let arn = json.activityArn;
  if (!arn) {
    if (!json.activityName) {
      throw new Error('activityArn or activityName required');
    }
    // The activity is made when missing, as a state machine's author would have made it.
    arn = createActivity(json.activityName).activityArn;
  } else if (!state.activities.has(arn)) {
    const name = arn.slice(arn.lastIndexOf(':') + 1);
    state.activities.set(arn, { activityArn: arn, name, creationDate: Date.now() / 1000 });
  }
  const input = json.input === undefined ? '{}' : typeof json.input === 'string' ? json.input : JSON.stringify(json.input);
  state.taskSeq += 1;
  const task = {
    id: `task-${state.taskSeq}`,
    taskToken: crypto.randomBytes(96).toString('base64url'),
    activityArn: arn,
    activityName: state.activities.get(arn).name,
    input,
    state: 'queued',
    output: null,
    error: null,
    cause: null,
    heartbeats: 0,
    workerName: null,
    workerNames: [],
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    lastHeartbeatAt: null
  };
  state.tasks.set(task.taskToken, task);
  dispatch(task);
  return task;
}

function credentialList(json) {
  const list = Array.isArray(json) ? json : Array.isArray(json.credentials) ? json.credentials : [json];
  for (const c of list) {
    if (!c.accessKeyId || !c.secretAccessKey) {
      throw new Error('each credential needs accessKeyId and secretAccessKey (sessionToken optional)');
    }
  }
  return list.map((c) => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken || '' }));
}

async function handleTest(req, res, url) {
  const path = url.pathname.replace(/\/+$/, '');
  const route = `${req.method} ${path}`;
  const body = (await readBody(req)).toString('utf8');
  let json = {};
  try {
    json = body.trim() ? JSON.parse(body) : {};
  } catch {
    return sendJson(res, 400, { error: 'body is not JSON' });
  }
  try {
    const taskRoute = /^(GET|POST) \/_test\/tasks\/([^/]+)(\/timeout)?$/.exec(route);
    if (taskRoute) {
      const task = findTask(decodeURIComponent(taskRoute[2]));
      if (!task) {
        return sendJson(res, 404, { error: 'no such task' });
      }
      if (taskRoute[1] === 'POST' && taskRoute[3]) {
        if (task.state === 'queued' || task.state === 'running') {
          Object.assign(task, { state: 'timedout', finishedAt: Date.now() });
        }
        return sendJson(res, 200, taskView(task));
      }
      if (taskRoute[1] === 'GET' && !taskRoute[3]) {
        return sendJson(res, 200, taskView(task));
      }
    }
    switch (route) {
      case 'GET /_test/health':
        return sendJson(res, 200, { service: 'aws-fakes', port: PORT, pid: process.pid });
      case 'GET /_test/requests': {
        const since = Number(url.searchParams.get('since') || 0);
        return sendJson(res, 200, state.requests.filter((e) => e.at >= since || e.pending));
      }
      case 'GET /_test/stats': {
        const aws = state.requests.filter((e) => e.service === 'states' || e.service === 'autoscaling');
        return sendJson(res, 200, {
          requests: state.requests.length,
          awsRequests: aws.length,
          signatureFailures: aws.filter((e) => e.signatureValid === false).length,
          credentialFetches: state.credentialFetches
        });
      }
      case 'POST /_test/reset':
        releasePollers();
        state = freshState();
        console.log(`${new Date().toISOString()} _test/reset: state, config and credentials back to defaults`);
        return sendJson(res, 200, { reset: true });
      case 'GET /_test/config':
        return sendJson(res, 200, state.config);
      case 'POST /_test/config': {
        for (const key of Object.keys(json)) {
          if (!(key in DEFAULT_CONFIG)) {
            return sendJson(res, 400, { error: `unknown config key '${key}'`, keys: Object.keys(DEFAULT_CONFIG) });
          }
        }
        const next = { ...state.config, ...json };
        if (typeof json.credentialsExpiration === 'number') {
          next.credentialsTtlSeconds = json.credentialsExpiration; // a number: seconds from issue
          next.credentialsExpiration = null;
        } else if (json.credentialsExpiration && Number.isNaN(Date.parse(json.credentialsExpiration))) {
          return sendJson(res, 400, { error: 'credentialsExpiration: an ISO time, a number of seconds, or null' });
        }
        state.config = next;
        if ('credentialsExpiration' in json || 'credentialsTtlSeconds' in json) {
          state.imdsCredentials = null; // the next fetch gets a set with the new expiration
        }
        return sendJson(res, 200, state.config);
      }
      case 'GET /_test/credentials':
        return sendJson(res, 200, {
          static: state.staticCredentials,
          issued: [...state.issuedCredentials.values()].map((c) => ({ ...c, expiration: isoSeconds(c.expiration) }))
        });
      case 'POST /_test/credentials':
        state.staticCredentials = credentialList(json);
        return sendJson(res, 200, { static: state.staticCredentials });
      case 'GET /_test/imds':
        return sendJson(res, 200, {
          tokens: state.imdsTokens.size,
          credentialFetches: state.credentialFetches,
          current: state.imdsCredentials ? { ...state.imdsCredentials, expiration: isoSeconds(state.imdsCredentials.expiration) } : null,
          spot: state.spot
        });
      case 'POST /_test/imds/rotate':
        state.imdsCredentials = null;
        return sendJson(res, 200, { rotated: true });
      case 'GET /_test/activities':
        return sendJson(res, 200, [...state.activities.values()]);
      case 'GET /_test/pollers':
        return sendJson(res, 200, state.pollers.map((p) => ({ activityArn: p.activityArn, workerName: p.workerName, since: p.since, remotePort: p.remotePort })));
      case 'POST /_test/tasks':
        return sendJson(res, 200, taskView(enqueueTask(json)));
      case 'GET /_test/tasks': {
        const only = url.searchParams.get('state');
        return sendJson(res, 200, [...state.tasks.values()].filter((t) => !only || t.state === only).map(taskView));
      }
      case 'GET /_test/lifecycle-actions':
        return sendJson(res, 200, state.lifecycleActions);
      case 'DELETE /_test/lifecycle-actions':
        state.lifecycleActions = [];
        return sendJson(res, 200, []);
      case 'POST /_test/spot':
        state.spot = json.action
          ? { action: json.action, time: json.time || isoSeconds(Date.now() + 120000) }
          : null;
        return sendJson(res, 200, { spot: state.spot });
      case 'DELETE /_test/spot':
        state.spot = null;
        return sendJson(res, 200, { spot: null });
      case 'POST /_test/faults': {
        const status = Number(json.status || 500);
        const fault = {
          service: json.service || '',
          action: json.action || '',
          status,
          code: json.code || (status >= 500 ? 'InternalFailure' : json.service === 'autoscaling' ? 'Throttling' : 'ThrottlingException'),
          message: json.message || 'injected by /_test/faults',
          remaining: Number(json.count || 1)
        };
        state.faults.push(fault);
        return sendJson(res, 200, fault);
      }
      case 'GET /_test/faults':
        return sendJson(res, 200, state.faults);
      case 'DELETE /_test/faults':
        state.faults = [];
        return sendJson(res, 200, []);
      default:
        return sendJson(res, 404, { error: `no test route ${route}` });
    }
  } catch (e) {
    return sendJson(res, 400, { error: e.message });
  }
}

// ---------------------------------------------------------------------------------------------------------------

const server = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${HOST}:${PORT}`);
  let handler = handleAws;
  if (url.pathname.startsWith('/_test/')) {
    handler = handleTest;
  } else if (url.pathname.startsWith('/latest/')) {
    handler = async () => handleImds(req, res, url);
  }
  Promise.resolve(handler(req, res, url)).catch((e) => {
    console.log(`aws-fakes: ${e.stack || e}`);
    sendJson(res, e.status || 500, { error: String(e.message || e) });
  });
});
// GetActivityTask holds 60 s; idle keep-alive connections outlive what clients keep, so a client never reuses a
// connection this server is closing.
server.keepAliveTimeout = 75000;
server.headersTimeout = 76000;
server.requestTimeout = 0;
server.on('error', (e) => {
  console.error(`aws-fakes: cannot listen on ${HOST}:${PORT}: ${e.message}`);
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  console.log(`${new Date().toISOString()} aws-fakes: listening on http://${HOST}:${PORT} (pid ${process.pid})`);
});
