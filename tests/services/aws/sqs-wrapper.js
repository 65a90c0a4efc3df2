// sqs-wrapper.js — the SQS test endpoint: the real sqslite 2.1.1 on an internal loopback port behind a thin proxy
// on 127.0.0.1:${MAELSTROM_TEST_SQS_PORT:-9324} that closes the gaps between sqslite and SQS the tests rely on.
// SPDX-License-Identifier: Apache-2.0
//
// Started by tests/services/start-sqs.sh (which installs sqslite and sets NODE_PATH). Every gap, how it was
// observed against stock sqslite and how it is closed here is in README.md ("SQS: sqslite's gaps"). In short:
// sqslite keeps the queues and the messages and answers CreateQueue, GetQueueUrl, SendMessage(Batch),
// DeleteMessage, PurgeQueue, DeleteQueue, tags and queue attributes itself; the wrapper rewrites queue URLs,
// posts everything to sqslite's single route, lists queues with a prefix and as URLs, receives one message per
// sqslite call (one receipt handle per message), tracks every received message's visibility deadline and makes
// it visible again when it passes, counts in-flight messages apart, holds long polls, implements
// DeleteMessageBatch and ChangeMessageVisibility, and answers errors sqslite would hang on.
// Signatures (SigV4 Authorization headers) are accepted and not checked; the access key is logged to tell
// clients apart.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');

const SQSLITE_VERSION = '2.1.1';
let sqslite;
let sqsState;
try {
  const version = require('sqslite/package.json').version;
  if (version !== SQSLITE_VERSION) {
    throw new Error(`found sqslite ${version}, want ${SQSLITE_VERSION}`);
  }
  sqslite = require('sqslite');
  // The same module instance sqslite's actions use (node caches it by path): its queues and messages.
  sqsState = require('sqslite/lib/sqs');
} catch (e) {
  console.error(`sqs-wrapper: cannot load sqslite ${SQSLITE_VERSION} (tests/services/start-sqs.sh installs it and ` +
    `sets NODE_PATH): ${e.message}`);
  process.exit(1);
}

const HOST = '127.0.0.1';
const PORT = Number(process.env.MAELSTROM_TEST_SQS_PORT || 9324);
const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
const MAX_BODY = 2 * 1024 * 1024;
const MAX_LOG = 50000;
const MAX_HANDLES = 200000;
const DEFAULT_VISIBILITY_SECONDS = 30;

// Actions whose target is a queue (QueueUrl parameter, or the queue URL as the request path).
const QUEUE_ACTIONS = new Set([
  'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch',
  'ChangeMessageVisibility', 'GetQueueAttributes', 'SetQueueAttributes', 'PurgeQueue', 'DeleteQueue',
  'TagQueue', 'UntagQueue', 'ListQueueTags', 'ListDeadLetterSourceQueues'
]);

let internalPort = 0;
const internalAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// receipt handle -> {queue, messageId, deadline (ms), pending (the receive that made it is still answering)}
const inflight = new Map();
// every receipt handle handed out -> message id (to name the message of a DeleteMessage in the request log)
const handles = new Map();
// queue name -> Set of wake-up functions of long polls waiting on it
const waiters = new Map();
// injected failures: [{action, queue, status, code, message, remaining}]
let faults = [];
let requestLog = [];

// ---------------------------------------------------------------------------------------------------------------
// helpers

function requestId() {
  return crypto.randomUUID();
}

function xmlEscape(text) {
  return String(text).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

function xmlText(xml, tag) {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? m[1] : '';
}

function xmlDocument(root, inner) {
  return `<?xml version="1.0"?>\n<${root} xmlns="${XMLNS}">${inner}` +
    `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${root}>`;
}

function errorXml(code, message, type = 'Sender') {
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${xmlEscape(code)}` +
    `</Code><Message>${xmlEscape(message)}</Message><Detail/></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
}

class SqsError extends Error {
  constructor(code, message, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const nonExistentQueue = () =>
  new SqsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist for this wsdl version.');

// The queue name of a queue URL: its last path segment (sqslite's http://host/queues/NAME and SQS's
// https://sqs.REGION.amazonaws.com/ACCOUNT/NAME alike).
function queueNameOf(url) {
  let path = String(url);
  try {
    path = new URL(url).pathname;
  } catch {
    // not a URL: take its last segment all the same
  }
  const segments = path.split('/').filter(Boolean);
  return segments.length ? decodeURIComponent(segments[segments.length - 1]) : '';
}

// The queue URL sqslite recognises (its lookups strip exactly http://localhost:<port>/queues/).
function internalQueueUrl(name) {
  return `http://localhost:${PORT}/queues/${name}`;
}

// The URL clients use, as the request log names it.
function publicQueueUrl(name, host) {
  return `http://${host || `${HOST}:${PORT}`}/queues/${name}`;
}

function queueState(name) {
  return name ? sqsState.getQueueState(name) : undefined;
}

function intParam(params, name, fallback, min, max, code = 'InvalidParameterValue') {
  if (!params.has(name)) {
    return fallback;
  }
  const text = params.get(name);
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < min || value > max) {
    throw new SqsError(code, `Value ${text} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return value;
}

function wake(queue) {
  const set = waiters.get(queue);
  if (set) {
    waiters.delete(queue);
    for (const fn of set) {
      fn();
    }
  }
}

function wakeAll() {
  for (const queue of [...waiters.keys()]) {
    wake(queue);
  }
}

function waitOn(queue, ms) {
  return new Promise((resolve) => {
    let set = waiters.get(queue);
    if (!set) {
      set = new Set();
      waiters.set(queue, set);
    }
    const done = () => {
      clearTimeout(timer);
      set.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
  });
}

// Makes received messages whose visibility deadline has passed visible again: sqslite marks a received message
// read for good, so the wrapper clears that mark on the very message (same id, body, attributes and receive
// count; sqslite's next receive counts it and gives it a new receipt handle).
function sweep() {
  const now = Date.now();
  for (const [handle, f] of inflight) {
    if (f.pending || f.deadline > now) {
      continue;
    }
    inflight.delete(handle);
    const queue = queueState(f.queue);
    const message = queue && queue.messages.find((m) => m.MessageId === f.messageId && m['@State'].ReceiptHandle === handle);
    if (message && message['@State'].isRead) {
      message['@State'].isRead = false;
      wake(f.queue);
    }
  }
}

function forgetQueue(name) {
  for (const [handle, f] of inflight) {
    if (f.queue === name) {
      inflight.delete(handle);
    }
  }
}

function rememberHandle(handle, messageId) {
  handles.set(handle, messageId);
  if (handles.size > MAX_HANDLES) {
    handles.delete(handles.keys().next().value);
  }
}

// One POST to sqslite's only route. params: object or [[name, value]...].
function forward(params, hostHeader) {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port: internalPort,
        method: 'POST',
        path: '/',
        agent: internalAgent,
        timeout: 10000,
        headers: {
          host: hostHeader || `localhost:${PORT}`,
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'content-length': Buffer.byteLength(body)
        }
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      }
    );
    req.on('timeout', () => req.destroy(new Error('sqslite did not answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

// sqslite's answer as ours: errors pass through; an unknown action (sqslite answers 200 with plain text) is an
// InvalidAction.
function sqsliteAnswer(r) {
  if (r.status === 200 && r.body.startsWith('Action:')) {
    throw new SqsError('InvalidAction', `The action is not valid for this endpoint (${r.body.trim()}).`);
  }
  if (r.status !== 200) {
    const code = xmlText(r.body, 'Code');
    if (code) {
      throw new SqsError(code, xmlText(r.body, 'Message'), r.status);
    }
    throw new SqsError('InternalError', `sqslite answered HTTP ${r.status}: ${r.body.slice(0, 300)}`, 500);
  }
  return r.body;
}

// Parameters with the queue URL swapped for sqslite's form.
function withInternalUrl(params, name) {
  const out = [];
  for (const [k, v] of params) {
    out.push([k, k === 'QueueUrl' ? internalQueueUrl(name) : v]);
  }
  if (!params.has('QueueUrl')) {
    out.push(['QueueUrl', internalQueueUrl(name)]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// actions the wrapper answers itself or changes

async function listQueues(ctx) {
  const prefix = ctx.params.get('QueueNamePrefix') || '';
  const maxResults = intParam(ctx.params, 'MaxResults', 0, 1, 1000);
  const body = sqsliteAnswer(await forward({ Action: 'ListQueues' }));
  const names = [...body.matchAll(/<QueueUrl>([\s\S]*?)<\/QueueUrl>/g)]
    .map((m) => m[1])
    .filter((n) => n.startsWith(prefix))
    .sort();
  let start = 0;
  const token = ctx.params.get('NextToken');
  if (token) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    start = names.findIndex((n) => n > after);
    if (start < 0) {
      start = names.length;
    }
  }
  const page = names.slice(start, start + (maxResults || 1000));
  const more = maxResults > 0 && start + page.length < names.length;
  const urls = page.map((n) => `<QueueUrl>${xmlEscape(publicQueueUrl(n, ctx.host))}</QueueUrl>`).join('');
  const next = more ? `<NextToken>${Buffer.from(page[page.length - 1]).toString('base64url')}</NextToken>` : '';
  return xmlDocument('ListQueuesResponse', `<ListQueuesResult>${urls}${next}</ListQueuesResult>`);
}

async function receiveMessage(ctx) {
  const { params, queueName: name } = ctx;
  const queue = queueState(name);
  const max = intParam(params, 'MaxNumberOfMessages', 1, 1, 10, 'ReadCountOutOfRange');
  const wait = intParam(params, 'WaitTimeSeconds', Number(queue.Attributes.ReceiveMessageWaitTimeSeconds || 0), 0, 20);
  const visibility = intParam(params, 'VisibilityTimeout',
    Number(queue.Attributes.VisibilityTimeout ?? DEFAULT_VISIBILITY_SECONDS), 0, 43200);
  Object.assign(ctx.entry, { maxMessages: max, waitTimeSeconds: wait, visibilityTimeout: visibility });

  // What sqslite gets: the attribute names asked for (it reads AttributeName.N only, not the newer
  // MessageSystemAttributeName.N), one message per call (its receipt handle is per call).
  const passed = [...params]
    .filter(([k]) => /^(AttributeName|MessageAttributeName|MessageSystemAttributeName)\./.test(k))
    .map(([k, v]) => [k.replace(/^MessageSystemAttributeName\.(\d+)$/, 'AttributeName.1$1'), v]);
  const deadline = Date.now() + wait * 1000;
  const got = [];
  for (;;) {
    if (!queueState(name)) {
      throw nonExistentQueue(); // deleted while we waited
    }
    sweep();
    while (got.length < max && !ctx.closed) {
      const body = sqsliteAnswer(await forward([
        ['Action', 'ReceiveMessage'], ['QueueUrl', internalQueueUrl(name)], ['MaxNumberOfMessages', '1'], ...passed
      ]));
      const blocks = body.match(/<Message>[\s\S]*?<\/Message>/g) || [];
      if (!blocks.length) {
        break;
      }
      for (const block of blocks) {
        const messageId = xmlText(block, 'MessageId');
        const handle = xmlText(block, 'ReceiptHandle');
        inflight.set(handle, { queue: name, messageId, deadline: Date.now() + visibility * 1000, pending: true });
        rememberHandle(handle, messageId);
        got.push({ block, messageId, handle });
      }
    }
    const left = deadline - Date.now();
    if (got.length || ctx.closed || left <= 0) {
      break;
    }
    await waitOn(name, Math.min(left, 1000));
  }
  for (const m of got) {
    const f = inflight.get(m.handle);
    if (f) {
      f.pending = false;
    }
  }
  ctx.entry.messageIds = got.map((m) => m.messageId);
  ctx.entry.receiptHandles = got.map((m) => m.handle);
  const result = got.length ? `<ReceiveMessageResult>${got.map((m) => m.block).join('')}</ReceiveMessageResult>`
    : '<ReceiveMessageResult/>';
  return xmlDocument('ReceiveMessageResponse', result);
}

function checkHandle(handle) {
  if (!handle) {
    throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
  }
  if (!handles.has(handle)) {
    throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  }
}

// Deletes through sqslite (which deletes the message whose latest receipt handle this is: a handle from an
// earlier receive of a message received again since deletes nothing, as on SQS). Returns whether it deleted.
async function deleteOne(name, handle) {
  const queue = queueState(name);
  const present = queue.messages.some((m) => m['@State'].ReceiptHandle === handle);
  sqsliteAnswer(await forward({ Action: 'DeleteMessage', QueueUrl: internalQueueUrl(name), ReceiptHandle: handle }));
  inflight.delete(handle);
  return present;
}

async function deleteMessage(ctx) {
  const handle = ctx.params.get('ReceiptHandle');
  ctx.entry.receiptHandle = handle;
  ctx.entry.receiptHandles = [handle];
  checkHandle(handle);
  ctx.entry.messageIds = [handles.get(handle)];
  ctx.entry.deleted = await deleteOne(ctx.queueName, handle);
  return xmlDocument('DeleteMessageResponse', '');
}

async function deleteMessageBatch(ctx) {
  const entries = [];
  for (let i = 1; ctx.params.has(`DeleteMessageBatchRequestEntry.${i}.Id`); i++) {
    entries.push({
      id: ctx.params.get(`DeleteMessageBatchRequestEntry.${i}.Id`),
      handle: ctx.params.get(`DeleteMessageBatchRequestEntry.${i}.ReceiptHandle`)
    });
  }
  if (!entries.length) {
    throw new SqsError('AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one DeleteMessageBatchRequestEntry in the request.');
  }
  if (entries.length > 10) {
    throw new SqsError('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
  }
  let out = '';
  ctx.entry.receiptHandles = entries.map((e) => e.handle);
  ctx.entry.messageIds = entries.map((e) => handles.get(e.handle) || '?');
  for (const e of entries) {
    try {
      checkHandle(e.handle);
      await deleteOne(ctx.queueName, e.handle);
      out += `<DeleteMessageBatchResultEntry><Id>${xmlEscape(e.id)}</Id></DeleteMessageBatchResultEntry>`;
    } catch (err) {
      out += `<BatchResultErrorEntry><Id>${xmlEscape(e.id)}</Id><SenderFault>true</SenderFault>` +
        `<Code>${xmlEscape(err.code || 'InternalError')}</Code><Message>${xmlEscape(err.message)}</Message></BatchResultErrorEntry>`;
    }
  }
  return xmlDocument('DeleteMessageBatchResponse', `<DeleteMessageBatchResult>${out}</DeleteMessageBatchResult>`);
}

async function changeMessageVisibility(ctx) {
  const handle = ctx.params.get('ReceiptHandle');
  ctx.entry.receiptHandle = handle;
  checkHandle(handle);
  if (!ctx.params.has('VisibilityTimeout')) {
    throw new SqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
  }
  const visibility = intParam(ctx.params, 'VisibilityTimeout', 0, 0, 43200);
  ctx.entry.visibilityTimeout = visibility;
  const f = inflight.get(handle);
  if (!f || f.deadline <= Date.now()) {
    throw new SqsError('AWS.SimpleQueueService.MessageNotInflight', 'The message referred to is not in flight.');
  }
  f.deadline = Date.now() + visibility * 1000;
  if (visibility === 0) {
    sweep();
  }
  return xmlDocument('ChangeMessageVisibilityResponse', '');
}

const DEFAULT_ATTRIBUTES = {
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: String(DEFAULT_VISIBILITY_SECONDS)
};

async function getQueueAttributes(ctx) {
  const name = ctx.queueName;
  const wanted = [...ctx.params].filter(([k]) => k.startsWith('AttributeName')).map(([, v]) => v);
  const body = sqsliteAnswer(await forward({ Action: 'GetQueueAttributes', QueueUrl: internalQueueUrl(name), 'AttributeName.1': 'All' }));
  const attributes = { ...DEFAULT_ATTRIBUTES };
  for (const m of body.matchAll(/<Attribute>\s*<Name>([\s\S]*?)<\/Name>\s*<Value>([\s\S]*?)<\/Value>\s*<\/Attribute>/g)) {
    attributes[m[1]] = m[2];
  }
  // sqslite counts every message not deleted as visible; SQS counts in-flight ones apart.
  sweep();
  const messages = queueState(name).messages;
  attributes.ApproximateNumberOfMessages = String(messages.filter((m) => !m['@State'].isRead).length);
  attributes.ApproximateNumberOfMessagesNotVisible = String(messages.filter((m) => m['@State'].isRead).length);
  attributes.ApproximateNumberOfMessagesDelayed = '0';
  for (const stamp of ['CreatedTimestamp', 'LastModifiedTimestamp']) {
    if (attributes[stamp] && Number(attributes[stamp]) > 1e11) {
      attributes[stamp] = String(Math.floor(Number(attributes[stamp]) / 1000)); // SQS gives seconds
    }
  }
  const names = Object.keys(attributes).filter((n) => wanted.includes('All') || wanted.includes(n)).sort();
  const inner = names.map((n) => `<Attribute><Name>${n}</Name><Value>${attributes[n]}</Value></Attribute>`).join('');
  return xmlDocument('GetQueueAttributesResponse', `<GetQueueAttributesResult>${inner}</GetQueueAttributesResult>`);
}

// Everything else: sqslite answers, with the queue URL in its form; a send wakes the long polls on the queue.
async function passThrough(ctx) {
  const params = ctx.queueName ? withInternalUrl(ctx.params, ctx.queueName) : [...ctx.params];
  const body = sqsliteAnswer(await forward(params, ctx.host));
  switch (ctx.action) {
    case 'SendMessage':
      ctx.entry.messageIds = [xmlText(body, 'MessageId')];
      wake(ctx.queueName);
      break;
    case 'SendMessageBatch': {
      // sqslite answers each entry's Id as its MD5 and misspells MD5OfMessageBody: give the Ids back as sent.
      const ids = new Map();
      for (let i = 1; ctx.params.has(`SendMessageBatchRequestEntry.${i}.Id`); i++) {
        const id = ctx.params.get(`SendMessageBatchRequestEntry.${i}.Id`);
        ids.set(crypto.createHash('md5').update(id).digest('hex'), id);
      }
      wake(ctx.queueName);
      return body
        .replace(/<Id>([0-9a-f]{32})<\/Id>/g, (m, hash) => `<Id>${xmlEscape(ids.get(hash) ?? hash)}</Id>`)
        .replace(/<(\/?)MDOfMessageBody>/g, '<$1MD5OfMessageBody>');
    }
    case 'PurgeQueue':
    case 'DeleteQueue':
      forgetQueue(ctx.queueName);
      wake(ctx.queueName);
      break;
    default:
      break;
  }
  return body.replace(/http:\/\/localhost:\d+\/queues\//g, `http://${ctx.host}/queues/`);
}

const HANDLERS = {
  ListQueues: listQueues,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  GetQueueAttributes: getQueueAttributes
};

// ---------------------------------------------------------------------------------------------------------------
// HTTP

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SqsError('RequestTooLarge', 'request body too large', 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, contentType, body) {
  if (res.writableEnded || res.destroyed) {
    return;
  }
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId() });
  res.end(body);
}

function accessKeyOf(req) {
  const m = /Credential=([^/,\s]+)\//.exec(req.headers.authorization || '');
  return m ? m[1] : '';
}

function logLine(entry) {
  const parts = [
    new Date(entry.at).toISOString(),
    `${entry.remote}:${entry.remotePort}`,
    entry.action || '-',
    entry.queueName || '-',
    `-> ${entry.status}${entry.error ? ' ' + entry.error : ''}`,
    `${entry.at - entry.startedAt}ms`
  ];
  if (entry.action === 'ReceiveMessage' && entry.maxMessages !== undefined) {
    parts.push(`max=${entry.maxMessages} wait=${entry.waitTimeSeconds} vis=${entry.visibilityTimeout} got=${(entry.messageIds || []).length}`);
  }
  if (entry.closedByClient) {
    parts.push('(client closed)');
  }
  parts.push(`client=${entry.client}`);
  console.log(parts.join(' '));
}

async function handleAws(req, res, url) {
  const entry = {
    startedAt: Date.now(),
    at: Date.now(),
    pending: true,
    action: '',
    queueUrl: '',
    queueName: '',
    accessKeyId: accessKeyOf(req),
    userAgent: req.headers['user-agent'] || '',
    remote: req.socket.remoteAddress,
    remotePort: req.socket.remotePort
  };
  entry.client = entry.accessKeyId || entry.userAgent || `${entry.remote}:${entry.remotePort}`;
  requestLog.push(entry);
  if (requestLog.length > MAX_LOG) {
    requestLog.splice(0, requestLog.length - MAX_LOG);
  }
  const ctx = { entry, closed: false, host: req.headers.host || `${HOST}:${PORT}` };
  res.on('close', () => {
    if (!res.writableEnded) {
      ctx.closed = true;
      entry.closedByClient = true;
      if (ctx.queueName) {
        wake(ctx.queueName);
      }
    }
  });
  let status = 200;
  let answer;
  let contentType = 'text/xml';
  try {
    const body = await readBody(req);
    if (req.headers['x-amz-target'] || /json/.test(req.headers['content-type'] || '')) {
      entry.action = String(req.headers['x-amz-target'] || '').replace(/^.*\./, '');
      contentType = 'application/x-amz-json-1.0';
      status = 400;
      answer = JSON.stringify({
        __type: 'com.amazon.coral.service#UnknownOperationException',
        message: 'this SQS test endpoint speaks the query protocol (form body, XML answers) only'
      });
    } else {
      const params = new URLSearchParams(url.search);
      for (const [k, v] of new URLSearchParams(body)) {
        params.append(k, v);
      }
      ctx.params = params;
      ctx.action = entry.action = params.get('Action') || '';
      if (!ctx.action) {
        throw new SqsError('MissingAction', 'The request must contain the parameter Action.');
      }
      if (QUEUE_ACTIONS.has(ctx.action)) {
        const target = params.get('QueueUrl') || (url.pathname !== '/' ? url.pathname : '');
        if (!target) {
          throw new SqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
        }
        ctx.queueName = entry.queueName = queueNameOf(target);
        entry.queueUrl = publicQueueUrl(ctx.queueName);
      } else {
        entry.queueName = params.get('QueueName') || params.get('QueueNamePrefix') || '';
      }
      const fault = faults.find((f) => f.remaining > 0 && (!f.action || f.action === ctx.action) &&
        (!f.queue || f.queue === ctx.queueName));
      if (fault) {
        fault.remaining -= 1;
        throw new SqsError(fault.code, fault.message, fault.status);
      }
      // sqslite hangs on some actions for a queue it does not know (DeleteMessage answers nothing at all).
      if (ctx.queueName && !queueState(ctx.queueName)) {
        throw nonExistentQueue();
      }
      answer = await (HANDLERS[ctx.action] || passThrough)(ctx);
    }
  } catch (e) {
    status = e.status || 500;
    entry.error = e.code || 'InternalError';
    answer = errorXml(entry.error, e.message, status >= 500 ? 'Receiver' : 'Sender');
    if (!(e instanceof SqsError)) {
      console.log(`sqs-wrapper: ${e.stack || e}`);
    }
  }
  entry.status = status;
  entry.pending = false;
  entry.at = Date.now();
  logLine(entry);
  send(res, status, contentType, answer);
}

function sendJson(res, status, value) {
  send(res, status, 'application/json', JSON.stringify(value, null, 1) + '\n');
}

async function handleTest(req, res, url) {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  const body = await readBody(req).catch(() => '');
  let json = {};
  try {
    json = body.trim() ? JSON.parse(body) : {};
  } catch {
    return sendJson(res, 400, { error: 'body is not JSON' });
  }
  switch (route) {
    case 'GET /_test/health':
      return sendJson(res, 200, { service: 'sqs-wrapper', sqslite: SQSLITE_VERSION, port: PORT, internalPort, pid: process.pid });
    case 'GET /_test/requests': {
      const since = Number(url.searchParams.get('since') || 0);
      return sendJson(res, 200, requestLog.filter((e) => e.at >= since || e.pending));
    }
    case 'POST /_test/reset':
      sqsState.clearQueues();
      inflight.clear();
      handles.clear();
      faults = [];
      requestLog = [];
      wakeAll();
      console.log(`${new Date().toISOString()} _test/reset: queues, messages and the request log cleared`);
      return sendJson(res, 200, { reset: true });
    case 'GET /_test/queues': {
      sweep();
      const out = [];
      for (const name of sqsState.listQueues().sort()) {
        const q = queueState(name);
        out.push({
          name,
          url: publicQueueUrl(name),
          visible: q.messages.filter((m) => !m['@State'].isRead).length,
          inFlight: q.messages.filter((m) => m['@State'].isRead).length,
          messages: q.messages.map((m) => {
            const f = inflight.get(m['@State'].ReceiptHandle);
            return {
              messageId: m.MessageId,
              body: m.MessageBody,
              receiveCount: m.Attributes.ApproximateReceiveCount,
              inFlight: !!m['@State'].isRead,
              receiptHandle: m['@State'].ReceiptHandle || '',
              visibleAt: m['@State'].isRead && f ? f.deadline : null
            };
          })
        });
      }
      return sendJson(res, 200, out);
    }
    case 'POST /_test/faults': {
      const fault = {
        action: json.action || '',
        queue: json.queue || '',
        status: Number(json.status || 500),
        code: json.code || (Number(json.status || 500) >= 500 ? 'InternalError' : 'AWS.SimpleQueueService.Throttling'),
        message: json.message || 'injected by /_test/faults',
        remaining: Number(json.count || 1)
      };
      faults.push(fault);
      return sendJson(res, 200, fault);
    }
    case 'GET /_test/faults':
      return sendJson(res, 200, faults);
    case 'DELETE /_test/faults':
      faults = [];
      return sendJson(res, 200, faults);
    default:
      return sendJson(res, 404, { error: `no test route ${route}` });
  }
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${HOST}:${PORT}`);
  const handler = url.pathname.startsWith('/_test/') ? handleTest : handleAws;
  handler(req, res, url).catch((e) => {
    console.log(`sqs-wrapper: ${e.stack || e}`);
    send(res, 500, 'text/plain', String(e));
  });
});
// Long polls last up to 20 s; idle keep-alive connections are kept longer than clients keep them, so a client
// never reuses a connection the server is closing.
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
server.requestTimeout = 0;

async function main() {
  const app = sqslite({ logger: false });
  await app.listen({ host: HOST, port: 0 });
  internalPort = app.server.address().port;
  setInterval(sweep, 50);
  server.on('error', (e) => {
    console.error(`sqs-wrapper: cannot listen on ${HOST}:${PORT}: ${e.message}`);
    process.exit(1);
  });
  server.listen(PORT, HOST, () => {
    console.log(`${new Date().toISOString()} sqs-wrapper: listening on http://${HOST}:${PORT} ` +
      `(sqslite ${SQSLITE_VERSION} on ${HOST}:${internalPort}, pid ${process.pid})`);
  });
}

main().catch((e) => {
  console.error(`sqs-wrapper: ${e.stack || e}`);
  process.exit(1);
});
