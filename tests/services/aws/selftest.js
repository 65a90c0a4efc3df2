// selftest.js — checks the AWS test endpoints route by route: the SigV4 verifier against the AWS test suite, the
// SQS wrapper (every sqslite gap it closes) and the AWS fakes (Step Functions, Auto Scaling, IMDSv2, signature
// checks, test-control routes).
// SPDX-License-Identifier: Apache-2.0
//
// Run by selftest.sh, which starts both endpoints on ports of their own (it resets them freely); or by hand:
//   SQS_PORT=19324 FAKES_PORT=19325 node tests/services/aws/selftest.js
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const sigv4 = require('./sigv4');

const SQS_PORT = Number(process.env.SQS_PORT || 19324);
const FAKES_PORT = Number(process.env.FAKES_PORT || 19325);
const CREDS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret', region: 'us-east-1' };

let passed = 0;
let failed = 0;
function check(what, ok, detail = '') {
  if (ok) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL ${what}${detail ? ': ' + detail : ''}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One HTTP request. opts: {port, method, path, headers: [[n, v]...], body, sign: {service, ...credentials},
// abortAfterMs}. Resolves {status, headers, body, ms, json?}; status 0 when aborted.
function call(opts) {
  const body = opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const q = opts.path.indexOf('?');
  let headers = [['Host', `127.0.0.1:${opts.port}`], ...(opts.headers || [])];
  if (opts.sign) {
    const signed = sigv4.sign(
      { method: opts.method || 'POST', path: q < 0 ? opts.path : opts.path.slice(0, q), query: q < 0 ? '' : opts.path.slice(q + 1), headers, body },
      { region: 'us-east-1', ...opts.sign, now: opts.signTime }
    );
    headers = signed.headers;
  }
  const flat = {};
  for (const [n, v] of headers) {
    flat[n] = v;
  }
  flat['Content-Length'] = Buffer.byteLength(body);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: opts.port, method: opts.method || 'POST', path: opts.path, headers: flat }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const out = { status: res.statusCode, headers: res.headers, body: text, ms: Date.now() - started };
        try {
          out.json = JSON.parse(text);
        } catch {
          // XML or text
        }
        resolve(out);
      });
    });
    req.on('error', (e) => (opts.abortAfterMs ? resolve({ status: 0, body: '', ms: Date.now() - started }) : reject(e)));
    if (opts.abortAfterMs) {
      setTimeout(() => req.destroy(), opts.abortAfterMs);
    }
    req.end(body);
  });
}

const xml = (text, tag) => [...text.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
const form = (params) => new URLSearchParams(params).toString();
const FORM = ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'];

// ---------------------------------------------------------------------------------------------------------------

function sigv4Vectors() {
  const root = path.join(__dirname, '../../unit/aws/sigv4-vectors');
  const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const lookup = (k) => (k === 'AKIDEXAMPLE' ? { secretAccessKey: SECRET } : undefined);
  // get-vanilla, inline: the suite's best-known case, so the check runs without the vendored files too.
  const vanilla = sigv4.verify({
    method: 'GET', path: '/', query: '', body: '',
    headers: [['Host', 'example.amazonaws.com'], ['X-Amz-Date', '20150830T123600Z'], ['Authorization',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
      'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31']]
  }, { lookup, ignorePolicy: true });
  check('sigv4 get-vanilla', vanilla.ok, vanilla.reason);
  if (!fs.existsSync(root)) {
    console.log(`note: ${root} absent; only get-vanilla checked`);
    return;
  }
  let n = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else if (e.name.endsWith('.req')) {
        const text = fs.readFileSync(p, 'utf8');
        const cut = text.indexOf('\n\n');
        const lines = (cut < 0 ? text : text.slice(0, cut)).split('\n');
        const first = lines.shift();
        const method = first.slice(0, first.indexOf(' '));
        const target = first.slice(first.indexOf(' ') + 1, first.lastIndexOf(' '));
        const headers = [];
        for (const l of lines) {
          if (/^\s/.test(l)) {
            headers.push([headers[headers.length - 1][0], l]); // a folded line: one more value of that header
          } else {
            headers.push([l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]);
          }
        }
        headers.push(['Authorization', fs.readFileSync(p.replace(/\.req$/, '.authz'), 'utf8').trim()]);
        const q = target.indexOf('?');
        const r = sigv4.verify({
          method, path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), headers,
          body: cut < 0 ? '' : text.slice(cut + 2)
        }, { lookup, ignorePolicy: true });
        const creq = fs.readFileSync(p.replace(/\.req$/, '.creq'), 'utf8');
        check(`sigv4 vector ${path.relative(root, p)}`, r.ok, `${r.reason}\nwant:\n${creq}\ngot:\n${r.canonicalRequest}`);
        n += 1;
      }
    }
  };
  walk(root);
  check('sigv4 vectors found', n >= 20, `${n}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function sqs() {
  const S = SQS_PORT;
  const base = `http://127.0.0.1:${S}`;
  const act = (target, params, extra = {}) =>
    call({ port: S, path: target, headers: [FORM], body: form({ Version: '2012-11-05', ...params }), ...extra });
  const signedAct = (target, params) =>
    call({ port: S, path: target, headers: [FORM], body: form({ Version: '2012-11-05', ...params }), sign: { service: 'sqs', ...CREDS, accessKeyId: 'AKIDNODE1' } });
  const counts = async (url) => {
    const r = await act(url.replace(base, ''), { Action: 'GetQueueAttributes', 'AttributeName.1': 'All', QueueUrl: url });
    const names = xml(r.body, 'Name');
    const values = xml(r.body, 'Value');
    const get = (n) => Number(values[names.indexOf(n)]);
    return { visible: get('ApproximateNumberOfMessages'), inFlight: get('ApproximateNumberOfMessagesNotVisible') };
  };
  const receive = (url, params, extra) => act(url.replace(base, ''), { Action: 'ReceiveMessage', QueueUrl: url, ...params }, extra);

  let r = await call({ port: S, method: 'GET', path: '/_test/health' });
  check('sqs health', r.status === 200 && r.json.service === 'sqs-wrapper', r.body);
  await call({ port: S, path: '/_test/reset' });

  // (a) queue URLs on 127.0.0.1 work; queue actions may be posted to the queue URL itself.
  r = await signedAct('/', { Action: 'CreateQueue', QueueName: 'orders' });
  const orders = xml(r.body, 'QueueUrl')[0];
  check('CreateQueue answers a 127.0.0.1 URL', orders === `${base}/queues/orders`, r.body);
  r = await act('/', { Action: 'GetQueueUrl', QueueName: 'orders' });
  check('GetQueueUrl', xml(r.body, 'QueueUrl')[0] === orders, r.body);
  r = await act('/', { Action: 'GetQueueUrl', QueueName: 'nope' });
  check('GetQueueUrl of a missing queue', r.status === 400 && /NonExistentQueue/.test(r.body), r.body);
  for (const name of ['orders-high', 'billing']) {
    await act('/', { Action: 'CreateQueue', QueueName: name });
  }
  r = await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'one', QueueUrl: orders });
  check('SendMessage to the 127.0.0.1 queue URL', r.status === 200 && xml(r.body, 'MessageId').length === 1, r.body);
  r = await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'two & <three>' }); // no QueueUrl: the path
  check('SendMessage with the queue named by the path only', r.status === 200, r.body);
  await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'three', QueueUrl: orders });

  // (b) ListQueues: prefix, URLs, sorted, paging.
  r = await act('/', { Action: 'ListQueues', QueueNamePrefix: 'orders' });
  check('ListQueues filters by prefix and answers URLs', JSON.stringify(xml(r.body, 'QueueUrl')) ===
    JSON.stringify([`${base}/queues/orders`, `${base}/queues/orders-high`]), r.body);
  r = await act('/', { Action: 'ListQueues', MaxResults: '2' });
  const page1 = xml(r.body, 'QueueUrl');
  const token = xml(r.body, 'NextToken')[0];
  r = await act('/', { Action: 'ListQueues', MaxResults: '2', NextToken: token });
  check('ListQueues pages with MaxResults/NextToken', page1.length === 2 && token && xml(r.body, 'QueueUrl').length === 1 &&
    !xml(r.body, 'NextToken').length, r.body);

  // (g) one receipt handle per message; (d) in-flight messages counted apart.
  r = await receive(orders, { MaxNumberOfMessages: '2', VisibilityTimeout: '1', 'AttributeName.1': 'All' });
  const handles = xml(r.body, 'ReceiptHandle');
  const ids = xml(r.body, 'MessageId');
  check('ReceiveMessage of 2 gives 2 distinct receipt handles', handles.length === 2 && handles[0] !== handles[1], r.body);
  check('message bodies come back escaped as sent', xml(r.body, 'Body').includes('two &amp; &lt;three&gt;'), r.body);
  let c = await counts(orders);
  check('GetQueueAttributes counts in-flight messages apart', c.visible === 1 && c.inFlight === 2, JSON.stringify(c));
  r = await act('/queues/orders', { Action: 'DeleteMessage', QueueUrl: orders, ReceiptHandle: handles[0] });
  c = await counts(orders);
  check('DeleteMessage deletes only its message', r.status === 200 && c.visible === 1 && c.inFlight === 1, JSON.stringify(c));

  // (c) redelivery after the visibility timeout, receive count up, new handle; the stale handle deletes nothing.
  await sleep(1300);
  c = await counts(orders);
  check('a message whose visibility timeout passed is visible again', c.visible === 2 && c.inFlight === 0, JSON.stringify(c));
  r = await receive(orders, { MaxNumberOfMessages: '10', 'AttributeName.1': 'ApproximateReceiveCount' });
  const again = xml(r.body, 'Message').find((m) => xml(m, 'MessageId')[0] === ids[1]);
  check('the redelivered message comes again', !!again, r.body);
  const newHandle = again && xml(again, 'ReceiptHandle')[0];
  check('redelivered with ApproximateReceiveCount 2 and a new receipt handle',
    again && /<Name>ApproximateReceiveCount<\/Name>\s*<Value>2<\/Value>/.test(again) && newHandle !== handles[1], again);
  r = await act('/queues/orders', { Action: 'DeleteMessage', QueueUrl: orders, ReceiptHandle: handles[1] });
  c = await counts(orders);
  check('DeleteMessage with the expired handle succeeds and deletes nothing', r.status === 200 && c.inFlight === 2, JSON.stringify(c));
  r = await act('/queues/orders', { Action: 'DeleteMessage', QueueUrl: orders, ReceiptHandle: newHandle });
  c = await counts(orders);
  check('DeleteMessage with the latest handle deletes', c.inFlight === 1 && c.visible === 0, JSON.stringify(c));
  r = await act('/queues/orders', { Action: 'DeleteMessage', QueueUrl: orders, ReceiptHandle: 'not-a-handle' });
  check('DeleteMessage with a handle never issued: ReceiptHandleIsInvalid', r.status === 400 && /ReceiptHandleIsInvalid/.test(r.body), r.body);

  // ChangeMessageVisibility; DeleteMessageBatch.
  const q = (await call({ port: S, method: 'GET', path: '/_test/queues' })).json.find((x) => x.name === 'orders');
  const held = q.messages.find((m) => m.inFlight);
  r = await act('/queues/orders', { Action: 'ChangeMessageVisibility', QueueUrl: orders, ReceiptHandle: held.receiptHandle, VisibilityTimeout: '0' });
  c = await counts(orders);
  check('ChangeMessageVisibility 0 makes it visible at once', r.status === 200 && c.visible === 1 && c.inFlight === 0, r.body + JSON.stringify(c));
  r = await act('/queues/orders', { Action: 'ChangeMessageVisibility', QueueUrl: orders, ReceiptHandle: held.receiptHandle, VisibilityTimeout: '5' });
  check('ChangeMessageVisibility of a message not in flight', r.status === 400 && /MessageNotInflight/.test(r.body), r.body);
  await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'four', QueueUrl: orders });
  r = await receive(orders, { MaxNumberOfMessages: '10', 'MessageSystemAttributeName.1': 'ApproximateReceiveCount' });
  const two = xml(r.body, 'ReceiptHandle');
  check('MessageSystemAttributeName.N asks for attributes too', xml(r.body, 'Name').filter((n) => n === 'ApproximateReceiveCount').length === 2, r.body);
  r = await act('/queues/orders', {
    Action: 'DeleteMessageBatch', QueueUrl: orders,
    'DeleteMessageBatchRequestEntry.1.Id': 'a', 'DeleteMessageBatchRequestEntry.1.ReceiptHandle': two[0],
    'DeleteMessageBatchRequestEntry.2.Id': 'b', 'DeleteMessageBatchRequestEntry.2.ReceiptHandle': 'bogus'
  });
  c = await counts(orders);
  check('DeleteMessageBatch deletes the entries named (and only those)', two.length === 2 && c.inFlight === 1 &&
    xml(r.body, 'DeleteMessageBatchResultEntry').length === 1 && xml(r.body, 'BatchResultErrorEntry').length === 1,
  r.body + JSON.stringify(c));
  await act('/queues/orders', { Action: 'PurgeQueue', QueueUrl: orders });
  c = await counts(orders);
  check('PurgeQueue', c.visible === 0 && c.inFlight === 0, JSON.stringify(c));

  // (e) long polls.
  r = await receive(orders, { WaitTimeSeconds: '2' });
  check('an empty long poll is held for WaitTimeSeconds', r.status === 200 && r.ms >= 1900 && r.ms < 3000 && !xml(r.body, 'Message').length, `${r.ms} ms`);
  const poll = receive(orders, { WaitTimeSeconds: '10', VisibilityTimeout: '1' });
  await sleep(500);
  await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'late', QueueUrl: orders });
  r = await poll;
  check('a long poll answers as soon as a message comes', xml(r.body, 'Body')[0] === 'late' && r.ms < 1500, `${r.ms} ms ${r.body}`);
  r = await receive(orders, { WaitTimeSeconds: '10', VisibilityTimeout: '1' });
  check('a long poll waits for a message in flight to come back', xml(r.body, 'Body')[0] === 'late' && r.ms > 500, `${r.ms} ms ${r.body}`);
  await act('/queues/orders', { Action: 'PurgeQueue', QueueUrl: orders });
  r = await receive(orders, { WaitTimeSeconds: '10' }, { abortAfterMs: 300 });
  await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'kept', QueueUrl: orders });
  await sleep(100);
  c = await counts(orders);
  check('a long poll its client closed takes no message', r.status === 0 && c.visible === 1 && c.inFlight === 0, JSON.stringify(c));
  r = await receive(orders, { WaitTimeSeconds: '21' });
  check('WaitTimeSeconds above 20 is refused', r.status === 400 && /InvalidParameterValue/.test(r.body), r.body);
  r = await receive(orders, { MaxNumberOfMessages: '11' });
  check('MaxNumberOfMessages above 10 is refused', r.status === 400 && /ReadCountOutOfRange/.test(r.body), r.body);

  r = await act('/queues/billing', {
    Action: 'SendMessageBatch', 'SendMessageBatchRequestEntry.1.Id': 'first', 'SendMessageBatchRequestEntry.1.MessageBody': 'b1',
    'SendMessageBatchRequestEntry.2.Id': 'second', 'SendMessageBatchRequestEntry.2.MessageBody': 'b2'
  });
  c = await counts(`${base}/queues/billing`);
  check('SendMessageBatch answers the entry Ids as sent', xml(r.body, 'Id').join() === 'first,second' &&
    xml(r.body, 'MD5OfMessageBody').length === 2 && c.visible === 2, r.body);

  // errors sqslite gets wrong
  r = await act('/queues/nope', { Action: 'DeleteMessage', QueueUrl: `${base}/queues/nope`, ReceiptHandle: 'x' }, {});
  check('DeleteMessage on a missing queue answers NonExistentQueue at once', r.status === 400 && /NonExistentQueue/.test(r.body) && r.ms < 1000, r.body);
  r = await act('/', { Action: 'Frobnicate' });
  check('an unknown action is InvalidAction', r.status === 400 && /InvalidAction/.test(r.body), r.body);

  // test-control routes
  r = await call({ port: S, method: 'GET', path: '/_test/requests?since=0' });
  const log = r.json;
  const receives = log.filter((e) => e.action === 'ReceiveMessage' && e.messageIds && e.messageIds.length);
  check('/_test/requests lists receives with their messages and parameters', receives.length > 0 &&
    receives.every((e) => e.messageIds.length === e.receiptHandles.length && e.queueUrl === orders && e.maxMessages >= 1 &&
      typeof e.waitTimeSeconds === 'number' && typeof e.visibilityTimeout === 'number' && e.remotePort > 0 && e.at >= e.startedAt),
  JSON.stringify(receives[0]));
  check('/_test/requests names the access key of signed requests',
    log.some((e) => e.action === 'CreateQueue' && e.accessKeyId === 'AKIDNODE1' && e.client === 'AKIDNODE1'), JSON.stringify(log[0]));
  const deletes = log.filter((e) => e.action === 'DeleteMessage' && e.status === 200);
  check('/_test/requests names the message a DeleteMessage meant', deletes.length > 0 && deletes.every((e) => e.messageIds.length === 1 && e.receiptHandle), JSON.stringify(deletes[0]));
  const closed = log.find((e) => e.closedByClient);
  check('/_test/requests marks the long poll its client closed', !!closed && closed.at - closed.startedAt < 1000, JSON.stringify(closed));
  const mark = Date.now();
  await sleep(5);
  await act('/', { Action: 'ListQueues' });
  r = await call({ port: S, method: 'GET', path: `/_test/requests?since=${mark}` });
  check('/_test/requests?since= filters', r.json.length === 1 && r.json[0].action === 'ListQueues', r.body);
  await call({ port: S, path: '/_test/faults', headers: [['Content-Type', 'application/json']], body: { action: 'SendMessage', status: 500, count: 1 } });
  r = await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'x', QueueUrl: orders });
  const r2 = await act('/queues/orders', { Action: 'SendMessage', MessageBody: 'x', QueueUrl: orders });
  check('/_test/faults fails the next matching call once', r.status === 500 && /InternalError/.test(r.body) && r2.status === 200, r.body);
  r = await call({ port: S, path: '/_test/reset' });
  const after = await act('/', { Action: 'ListQueues' });
  const logAfter = await call({ port: S, method: 'GET', path: '/_test/requests' });
  check('/_test/reset deletes the queues and the log', r.status === 200 && !xml(after.body, 'QueueUrl').length && logAfter.json.length === 1, after.body);
}

// ---------------------------------------------------------------------------------------------------------------

async function fakes() {
  const F = FAKES_PORT;
  const test = (method, p, body) => call({ port: F, method, path: p, headers: [['Content-Type', 'application/json']], body });
  const sfn = (action, input, creds = CREDS, extra = {}) => call({
    port: F, path: '/', body: input,
    headers: [['Content-Type', 'application/x-amz-json-1.0'], ['X-Amz-Target', `AWSStepFunctions.${action}`]],
    sign: creds && { service: 'states', ...creds }, ...extra
  });
  const asg = (params, creds = CREDS) => call({
    port: F, path: '/', headers: [FORM], body: form({ Action: 'CompleteLifecycleAction', Version: '2011-01-01', ...params }),
    sign: creds && { service: 'autoscaling', ...creds }
  });

  let r = await test('GET', '/_test/health');
  check('fakes health', r.status === 200 && r.json.service === 'aws-fakes', r.body);
  await test('POST', '/_test/reset');

  // signature checks
  r = await sfn('ListActivities', {}, null);
  check('unsigned: 403 MissingAuthenticationTokenException', r.status === 403 && /MissingAuthenticationTokenException/.test(r.json.__type), r.body);
  r = await sfn('ListActivities', {}, { ...CREDS, secretAccessKey: 'wrong' });
  check('wrong secret: 403 InvalidSignatureException', r.status === 403 && r.json.__type === 'com.amazon.coral.service#InvalidSignatureException', r.body);
  r = await sfn('ListActivities', {}, { ...CREDS, accessKeyId: 'AKIDNOBODY' });
  check('unknown key: 403 UnrecognizedClientException', r.status === 403 && /UnrecognizedClientException/.test(r.json.__type), r.body);
  r = await sfn('ListActivities', {}, CREDS, { signTime: new Date(Date.now() - 20 * 60 * 1000) });
  check('X-Amz-Date 20 min old: 403 signature expired', r.status === 403 && /expired/.test(r.json.message), r.body);
  r = await call({ port: F, path: '/', headers: [['Content-Type', 'application/x-amz-json-1.0'], ['X-Amz-Target', 'AWSStepFunctions.ListActivities'], ['Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDTEST/x']], body: {} });
  check('malformed Authorization: 403 IncompleteSignatureException', r.status === 403 && /IncompleteSignatureException/.test(r.json.__type), r.body);
  r = await call({ port: F, path: '/', headers: [['Content-Type', 'application/x-amz-json-1.0'], ['X-Amz-Target', 'AWSStepFunctions.ListActivities']], body: {}, sign: { service: 'sqs', ...CREDS } });
  check('signed for another service: 403', r.status === 403, r.body);
  r = await asg({ AutoScalingGroupName: 'g', LifecycleHookName: 'h', LifecycleActionResult: 'CONTINUE', InstanceId: 'i-1' }, { ...CREDS, secretAccessKey: 'wrong' });
  check('Auto Scaling bad signature: 403 SignatureDoesNotMatch in XML', r.status === 403 && xml(r.body, 'Code')[0] === 'SignatureDoesNotMatch', r.body);
  r = await test('GET', '/_test/stats');
  check('/_test/stats counts signature failures', r.json.signatureFailures === 7, r.body);

  // Step Functions activities
  const arns = [];
  for (const name of ['alpha', 'beta', 'gamma']) {
    r = await sfn('CreateActivity', { name });
    arns.push(r.json.activityArn);
  }
  check('CreateActivity', r.status === 200 && arns[2] === 'arn:aws:states:us-east-1:123456789012:activity:gamma' && typeof r.json.creationDate === 'number', r.body);
  r = await sfn('CreateActivity', { name: 'alpha' });
  check('CreateActivity is idempotent', r.json.activityArn === arns[0], r.body);
  r = await sfn('CreateActivity', { name: 'bad name' });
  check('CreateActivity refuses an invalid name', r.status === 400 && /InvalidName/.test(r.json.__type), r.body);
  const listed = [];
  let next;
  let pages = 0;
  do {
    r = await sfn('ListActivities', next ? { nextToken: next } : {});
    listed.push(...r.json.activities.map((a) => a.name));
    next = r.json.nextToken;
    pages += 1;
  } while (next && pages < 10);
  check('ListActivities pages by 2 with nextToken', pages === 2 && listed.join() === 'alpha,beta,gamma', JSON.stringify(listed));
  r = await sfn('ListActivities', { nextToken: '!!' });
  check('ListActivities refuses a bad token', r.status === 400 && /InvalidToken/.test(r.json.__type), r.body);

  await test('POST', '/_test/config', { getActivityTaskHoldMs: 800 });
  r = await sfn('GetActivityTask', { activityArn: arns[0], workerName: 'w1' });
  check('GetActivityTask without tasks holds, then answers {}', r.status === 200 && r.ms >= 750 && !r.json.taskToken, `${r.ms} ms ${r.body}`);
  r = await sfn('GetActivityTask', { activityArn: 'arn:aws:states:us-east-1:123456789012:activity:missing', workerName: 'w1' });
  check('GetActivityTask of a missing activity', r.status === 400 && /ActivityDoesNotExist/.test(r.json.__type), r.body);
  await test('POST', '/_test/config', { getActivityTaskHoldMs: 10000 });
  const polling = sfn('GetActivityTask', { activityArn: arns[0], workerName: 'node-a' });
  await sleep(300);
  r = await test('GET', '/_test/pollers');
  check('/_test/pollers lists the open poll', r.json.length === 1 && r.json[0].workerName === 'node-a', r.body);
  const posted = await test('POST', '/_test/tasks', { activityName: 'alpha', input: { n: 1 } });
  r = await polling;
  check('a queued task goes to the waiting poll at once', r.json.taskToken === posted.json.taskToken && r.json.input === '{"n":1}' && r.ms < 1000, r.body);
  const token = r.json.taskToken;
  r = await sfn('SendTaskHeartbeat', { taskToken: token });
  check('SendTaskHeartbeat', r.status === 200, r.body);
  r = await sfn('SendTaskSuccess', { taskToken: token, output: '{"ok":true}' });
  check('SendTaskSuccess', r.status === 200, r.body);
  r = await test('GET', `/_test/tasks/${token}`);
  check('the task succeeded, with its heartbeat and worker', r.json.state === 'succeeded' && r.json.output === '{"ok":true}' &&
    r.json.heartbeats === 1 && r.json.workerNames.join() === 'node-a', r.body);
  r = await sfn('SendTaskHeartbeat', { taskToken: token });
  check('heartbeat of a finished task: TaskTimedOut', r.status === 400 && r.json.__type === 'com.amazonaws.swf.service.v2.model#TaskTimedOut', r.body);
  r = await sfn('SendTaskSuccess', { taskToken: 'no-such-token', output: '{}' });
  check('unknown token: TaskDoesNotExist in the SFN error format', r.status === 400 &&
    r.json.__type === 'com.amazonaws.swf.service.v2.model#TaskDoesNotExist' && typeof r.json.message === 'string', r.body);

  const queued = await test('POST', '/_test/tasks', { activityArn: arns[1], input: '{"n":2}' });
  r = await sfn('GetActivityTask', { activityArn: arns[1], workerName: 'node-b' });
  check('GetActivityTask takes an already queued task at once', r.json.taskToken === queued.json.taskToken && r.ms < 500, r.body);
  r = await sfn('SendTaskSuccess', { taskToken: r.json.taskToken, output: 'not json' });
  check('SendTaskSuccess with output that is not JSON: InvalidOutput', r.status === 400 && /InvalidOutput/.test(r.json.__type), r.body);
  r = await sfn('SendTaskFailure', { taskToken: queued.json.taskToken, error: 'E', cause: 'because' });
  const failedTask = (await test('GET', `/_test/tasks/${queued.json.taskToken}`)).json;
  check('SendTaskFailure', r.status === 200 && failedTask.state === 'failed' && failedTask.error === 'E' && failedTask.cause === 'because', JSON.stringify(failedTask));

  const third = await test('POST', '/_test/tasks', { activityName: 'gamma' });
  r = await sfn('GetActivityTask', { activityArn: arns[2], workerName: 'node-c' });
  await test('POST', `/_test/tasks/${third.json.taskToken}/timeout`);
  r = await sfn('SendTaskHeartbeat', { taskToken: third.json.taskToken });
  check('heartbeat of a task the test timed out: TaskTimedOut', r.status === 400 && /TaskTimedOut/.test(r.json.__type), r.body);
  r = await test('GET', '/_test/tasks');
  check('/_test/tasks lists every task with its state', r.json.map((t) => t.state).join() === 'succeeded,failed,timedout', r.body);

  const abandoned = sfn('GetActivityTask', { activityArn: arns[2], workerName: 'gone' }, CREDS, { abortAfterMs: 200 });
  await abandoned;
  await sleep(50);
  const fourth = await test('POST', '/_test/tasks', { activityName: 'gamma' });
  r = await test('GET', `/_test/tasks/${fourth.json.taskToken}`);
  check('a poll its client closed gets no task', r.json.state === 'queued', r.body);

  // Auto Scaling
  r = await asg({ AutoScalingGroupName: 'asg-1', LifecycleHookName: 'drain', LifecycleActionToken: 'tok-1', InstanceId: 'i-1', LifecycleActionResult: 'CONTINUE' });
  check('CompleteLifecycleAction answers its XML', r.status === 200 && r.body.includes('<CompleteLifecycleActionResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><CompleteLifecycleActionResult/><ResponseMetadata><RequestId>'), r.body);
  r = await asg({ AutoScalingGroupName: 'asg-1', LifecycleActionResult: 'CONTINUE', InstanceId: 'i-1' });
  check('CompleteLifecycleAction without a hook: ValidationError', r.status === 400 && xml(r.body, 'Code')[0] === 'ValidationError', r.body);
  r = await test('GET', '/_test/lifecycle-actions');
  const good = r.json.filter((a) => a.signatureValid);
  check('/_test/lifecycle-actions records the calls, signed or not', r.json.length === 3 && good.length === 2 && good[0].AutoScalingGroupName === 'asg-1' &&
    good[0].LifecycleHookName === 'drain' && good[0].LifecycleActionToken === 'tok-1' && good[0].InstanceId === 'i-1' &&
    good[0].LifecycleActionResult === 'CONTINUE' && r.json[0].signatureValid === false, r.body);
  await test('DELETE', '/_test/lifecycle-actions');
  r = await test('GET', '/_test/lifecycle-actions');
  check('DELETE /_test/lifecycle-actions', r.json.length === 0, r.body);

  // IMDSv2
  r = await call({ port: F, method: 'GET', path: '/latest/meta-data/instance-id' });
  check('IMDS without a token: 401', r.status === 401, r.body);
  r = await call({ port: F, method: 'PUT', path: '/latest/api/token' });
  check('IMDS token without a TTL: 400', r.status === 400, r.body);
  r = await call({ port: F, method: 'PUT', path: '/latest/api/token', headers: [['X-aws-ec2-metadata-token-ttl-seconds', '60']] });
  const imdsToken = r.body;
  check('IMDS token', r.status === 200 && imdsToken.length > 20, r.body);
  const md = (p) => call({ port: F, method: 'GET', path: `/latest/meta-data/${p}`, headers: [['X-aws-ec2-metadata-token', imdsToken]] });
  r = await md('instance-id');
  check('IMDS instance-id', r.status === 200 && r.body === 'i-0123456789abcdef0', r.body);
  r = await md('iam/security-credentials/');
  const role = r.body;
  check('IMDS role name', role === 'maelstrom-test-role', r.body);
  r = await md(`iam/security-credentials/${role}`);
  const roleCreds = r.json;
  check('IMDS role credentials', roleCreds.Code === 'Success' && roleCreds.AccessKeyId.startsWith('ASIA') && roleCreds.Token &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(roleCreds.Expiration) && Date.parse(roleCreds.Expiration) > Date.now(), r.body);
  const temp = { accessKeyId: roleCreds.AccessKeyId, secretAccessKey: roleCreds.SecretAccessKey, sessionToken: roleCreds.Token };
  r = await sfn('ListActivities', {}, temp);
  check('a request signed with the IMDS credentials is accepted', r.status === 200, r.body);
  r = await sfn('ListActivities', {}, { ...temp, sessionToken: undefined });
  check('the IMDS credentials without their session token: 403', r.status === 403, r.body);
  r = await md('spot/instance-action');
  check('spot/instance-action is 404 until set', r.status === 404, r.body);
  await test('POST', '/_test/spot', { action: 'terminate' });
  r = await md('spot/instance-action');
  check('spot/instance-action once set', r.status === 200 && r.json.action === 'terminate' && !Number.isNaN(Date.parse(r.json.time)), r.body);
  await test('POST', '/_test/spot', {});
  r = await md('spot/instance-action');
  check('POST /_test/spot {} clears it', r.status === 404, r.body);
  const past = new Date(Date.now() - 60000).toISOString();
  await test('POST', '/_test/config', { credentialsExpiration: past });
  r = await md(`iam/security-credentials/${role}`);
  check('credentialsExpiration sets the Expiration served', r.json.Expiration === past.replace(/\.\d{3}Z$/, 'Z') && r.json.AccessKeyId !== temp.accessKeyId, r.body);
  r = await sfn('ListActivities', {}, { accessKeyId: r.json.AccessKeyId, secretAccessKey: r.json.SecretAccessKey, sessionToken: r.json.Token });
  check('expired IMDS credentials: 403 ExpiredTokenException', r.status === 403 && /ExpiredTokenException/.test(r.json.__type), r.body);
  r = await md('autoscaling/target-lifecycle-state');
  check('IMDS target-lifecycle-state', r.body === 'InService', r.body);

  // credentials, faults, requests, reset
  await test('POST', '/_test/credentials', [{ accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' }]);
  r = await sfn('ListActivities', {}, CREDS);
  const r2 = await sfn('ListActivities', {}, { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' });
  check('/_test/credentials replaces the keys accepted', r.status === 403 && r2.status === 200, r.body + r2.body);
  await test('POST', '/_test/credentials', { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' });
  await test('POST', '/_test/faults', { service: 'states', action: 'ListActivities', status: 400, code: 'ThrottlingException', count: 1 });
  r = await sfn('ListActivities', {});
  check('/_test/faults: a throttled call', r.status === 400 && r.json.__type === 'com.amazon.coral.availability#ThrottlingException', r.body);
  r = await test('GET', '/_test/requests?since=0');
  const calls = r.json;
  check('/_test/requests lists service, action, verdict and time', calls.some((e) => e.service === 'states' && e.action === 'GetActivityTask' &&
    e.signatureValid === true && e.workerName === 'node-a' && e.at > 0) && calls.some((e) => e.signatureValid === false && e.signatureError) &&
    calls.some((e) => e.service === 'imds'), JSON.stringify(calls.slice(0, 2)));
  r = await test('POST', '/_test/reset');
  const empty = await sfn('ListActivities', {});
  check('/_test/reset', r.status === 200 && empty.status === 200 && empty.json.activities.length === 0, empty.body);
}

async function main() {
  sigv4Vectors();
  await sqs();
  await fakes();
  console.log(`selftest: ${passed} checks passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`selftest: ${e.stack || e}`);
  process.exit(1);
});
