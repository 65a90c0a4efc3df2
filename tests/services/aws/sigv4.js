// sigv4.js — AWS Signature Version 4 (header form) for the test endpoints: verifies requests, and signs them
// (for selftest.js).
// SPDX-License-Identifier: Apache-2.0
//
// Written from the SigV4 specification with node:crypto only, independently of the C++ signer under test
// (plugins/shared/aws): a request that passes here was signed the way AWS would check it, not merely the way our
// own code happens to sign. Both directions share the canonical-request code, so sign() is only a plumbing aid;
// the independent check of the arithmetic is the AWS test suite (selftest.js runs every vector through verify).
'use strict';

const crypto = require('node:crypto');

const ALGORITHM = 'AWS4-HMAC-SHA256';

function sha256Hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants (upper-case hex).
function uriEncode(text) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c)) {
      out += c;
    } else {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

// decodeURIComponent that leaves malformed escapes as they are instead of throwing.
function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// The canonical URI of every service but S3: dot segments resolved, empty segments dropped, a trailing slash kept,
// each segment percent-encoded once from its decoded form (so a path sent raw, as the test suite's `.req` files
// are, and the same path sent percent-encoded give one canonical form).
function canonicalUri(path) {
  if (!path) {
    return '/';
  }
  const segments = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') {
      continue;
    }
    if (segment === '..') {
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
  let out = '/' + segments.map((s) => uriEncode(safeDecode(s))).join('/');
  if (path.endsWith('/') && out !== '/') {
    out += '/';
  }
  return out;
}

// Query parameters decoded (a '+' stays a '+': SigV4 signs the RFC 3986 form), re-encoded, sorted by name then
// value.
function canonicalQuery(query) {
  if (!query) {
    return '';
  }
  const pairs = [];
  for (const part of query.split('&')) {
    if (part === '') {
      continue;
    }
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(safeDecode(name)), uriEncode(safeDecode(value))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

// headers: [[name, value], ...] in the order received (duplicates allowed). Values trimmed, inner runs of
// whitespace collapsed, repeated headers joined with ','.
function headerMap(headers) {
  const map = new Map();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const clean = String(value).trim().replace(/\s+/g, ' ');
    map.set(key, map.has(key) ? map.get(key) + ',' + clean : clean);
  }
  return map;
}

// request: {method, path, query, headers: [[name, value]...], body (Buffer|string)}; signedHeaders: lower-case
// names. Returns {canonicalRequest, missing: [signed names the request lacks]}.
function canonicalRequest(request, signedHeaders, payloadHash) {
  const map = headerMap(request.headers);
  const missing = signedHeaders.filter((h) => !map.has(h));
  const lines = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    signedHeaders.map((h) => `${h}:${map.get(h) ?? ''}\n`).join(''),
    signedHeaders.join(';'),
    payloadHash
  ];
  return { canonicalRequest: lines.join('\n'), missing };
}

function stringToSign(amzDate, scope, canonical) {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

function signingKey(secret, date, region, service) {
  const kDate = hmac('AWS4' + secret, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

// Parses "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/states/aws4_request, SignedHeaders=a;b,
// Signature=hex". Returns {accessKeyId, date, region, service, terminator, signedHeaders, signature} or
// {error} naming what is malformed.
function parseAuthorization(value) {
  if (!value) {
    return { error: 'no Authorization header' };
  }
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return { error: `unsupported algorithm '${algorithm}'` };
  }
  const fields = {};
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields[name]) {
      return { error: `Authorization header requires '${name}'` };
    }
  }
  const scope = fields.Credential.split('/');
  if (scope.length !== 5) {
    return { error: `malformed Credential '${fields.Credential}' (want KEY/yyyymmdd/region/service/aws4_request)` };
  }
  const [accessKeyId, date, region, service, terminator] = scope;
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: fields.SignedHeaders.split(';'),
    signature: fields.Signature
  };
}

function amzDateOf(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

// Verifies a request's SigV4 Authorization header.
//   request: {method, path, query, headers: [[name, value]...], body}
//   options: {service, lookup(accessKeyId) -> {secretAccessKey, sessionToken?, expiration? (ms)} | undefined,
//             now (ms), maxSkewMs (default 15 min), ignorePolicy (only the arithmetic: for the test vectors)}
// Returns {ok: true, accessKeyId, region, service, canonicalRequest} or
//         {ok: false, code, reason, accessKeyId?, canonicalRequest?, stringToSign?} where code is one of
//   MissingAuthenticationToken  no Authorization header
//   IncompleteSignature         malformed header, missing X-Amz-Date, host or the token not signed, wrong scope
//   InvalidClientTokenId        unknown access key, or a session token that does not belong to it
//   ExpiredToken                temporary credentials past their expiration
//   SignatureDoesNotMatch       wrong signature, signature expired (clock skew), body hash header mismatch
function verify(request, options) {
  const map = headerMap(request.headers);
  const auth = parseAuthorization(map.get('authorization'));
  if (auth.error) {
    return {
      ok: false,
      code: map.has('authorization') ? 'IncompleteSignature' : 'MissingAuthenticationToken',
      reason: auth.error
    };
  }
  const fail = (code, reason, extra = {}) => ({ ok: false, code, reason, accessKeyId: auth.accessKeyId, ...extra });
  const amzDate = map.get('x-amz-date');
  if (!amzDate || Number.isNaN(parseAmzDate(amzDate))) {
    return fail('IncompleteSignature', 'X-Amz-Date header missing or not yyyymmddThhmmssZ');
  }
  if (auth.date !== amzDate.slice(0, 8)) {
    return fail('IncompleteSignature', `credential scope date ${auth.date} is not the X-Amz-Date day ${amzDate}`);
  }
  if (auth.terminator !== 'aws4_request') {
    return fail('IncompleteSignature', `credential scope must end in aws4_request, not '${auth.terminator}'`);
  }
  const sorted = [...auth.signedHeaders].sort();
  if (auth.signedHeaders.some((h) => h !== h.toLowerCase()) || sorted.join(';') !== auth.signedHeaders.join(';')) {
    return fail('IncompleteSignature', `SignedHeaders must be lower-case and sorted: ${auth.signedHeaders.join(';')}`);
  }
  if (!options.ignorePolicy) {
    if (options.service && auth.service !== options.service) {
      return fail('SignatureDoesNotMatch', `credential scope names service '${auth.service}', expected '${options.service}'`);
    }
    for (const required of ['host', 'x-amz-date']) {
      if (!auth.signedHeaders.includes(required)) {
        return fail('IncompleteSignature', `'${required}' must be a signed header`);
      }
    }
    if (map.has('x-amz-security-token') && !auth.signedHeaders.includes('x-amz-security-token')) {
      return fail('IncompleteSignature', "'x-amz-security-token' is sent but not signed");
    }
  }
  const creds = options.lookup(auth.accessKeyId);
  if (!creds) {
    return fail('InvalidClientTokenId', `unknown access key '${auth.accessKeyId}'`);
  }
  if (!options.ignorePolicy) {
    const token = map.get('x-amz-security-token') || '';
    if ((creds.sessionToken || '') !== token) {
      return fail(
        'InvalidClientTokenId',
        creds.sessionToken
          ? token
            ? 'the security token does not belong to this access key'
            : 'temporary credentials need their X-Amz-Security-Token'
          : 'a security token was sent with long-term credentials'
      );
    }
    const now = options.now ?? Date.now();
    if (creds.expiration !== undefined && creds.expiration <= now) {
      return fail('ExpiredToken', `the credentials expired at ${new Date(creds.expiration).toISOString()}`);
    }
    const skew = Math.abs(now - parseAmzDate(amzDate));
    if (skew > (options.maxSkewMs ?? 15 * 60 * 1000)) {
      return fail('SignatureDoesNotMatch', `signature expired: X-Amz-Date ${amzDate} is ${Math.round(skew / 1000)} s off`);
    }
  }
  const body = request.body ?? '';
  const payloadHash = sha256Hex(body);
  const declared = map.get('x-amz-content-sha256');
  if (declared && declared !== payloadHash) {
    return fail('SignatureDoesNotMatch', 'x-amz-content-sha256 is not the SHA-256 of the body');
  }
  const { canonicalRequest: creq, missing } = canonicalRequest(request, auth.signedHeaders, payloadHash);
  if (missing.length) {
    return fail('IncompleteSignature', `signed headers absent from the request: ${missing.join(', ')}`);
  }
  const scope = [auth.date, auth.region, auth.service, 'aws4_request'].join('/');
  const sts = stringToSign(amzDate, scope, creq);
  const expected = crypto
    .createHmac('sha256', signingKey(creds.secretAccessKey, auth.date, auth.region, auth.service))
    .update(sts, 'utf8')
    .digest('hex');
  const given = Buffer.from(auth.signature, 'utf8');
  const want = Buffer.from(expected, 'utf8');
  if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) {
    return fail('SignatureDoesNotMatch', 'the signature does not match the canonical request', {
      canonicalRequest: creq,
      stringToSign: sts
    });
  }
  return { ok: true, accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service, canonicalRequest: creq };
}

// Signs a request in place: adds X-Amz-Date (from `now`), X-Amz-Security-Token (when a token) and Authorization,
// signing every header present. request: {method, path, query, headers: [[name, value]...], body}.
function sign(request, { accessKeyId, secretAccessKey, sessionToken, region, service, now = new Date() }) {
  const amzDate = amzDateOf(now);
  request.headers = request.headers.filter(([n]) => !/^(authorization|x-amz-date|x-amz-security-token)$/i.test(n));
  request.headers.push(['X-Amz-Date', amzDate]);
  if (sessionToken) {
    request.headers.push(['X-Amz-Security-Token', sessionToken]);
  }
  const signed = [...new Set(request.headers.map(([n]) => n.toLowerCase()))].sort();
  const { canonicalRequest: creq } = canonicalRequest(request, signed, sha256Hex(request.body ?? ''));
  const scope = [amzDate.slice(0, 8), region, service, 'aws4_request'].join('/');
  const signature = crypto
    .createHmac('sha256', signingKey(secretAccessKey, amzDate.slice(0, 8), region, service))
    .update(stringToSign(amzDate, scope, creq), 'utf8')
    .digest('hex');
  request.headers.push([
    'Authorization',
    `${ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`
  ]);
  return request;
}

// The [name, value] pairs of a node http.IncomingMessage, as received.
function rawHeaderPairs(req) {
  const pairs = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    pairs.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  }
  return pairs;
}

module.exports = {
  canonicalUri,
  canonicalQuery,
  canonicalRequest,
  stringToSign,
  signingKey,
  parseAuthorization,
  parseAmzDate,
  verify,
  sign,
  rawHeaderPairs,
  sha256Hex,
  uriEncode
};
