// AWS Signature Version 4 for requests to a Lambda function URL (service "lambda"), as the AWS SDKs
// sign them: the tests of the local serverless fabric sign with it, and sign wrongly on purpose.
import { createHash, createHmac } from 'node:crypto';

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** RFC 3986: unreserved characters as they are, every other byte as %XX. */
const encode = (s) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The headers that sign `method url` with `body` (a string or Buffer), for `credentials`
 * ({ accessKeyId, secretAccessKey }), in `region`, at `date` (a Date; default now).
 */
export function sign(
  method,
  url,
  body,
  credentials,
  { region = 'us-east-1', service = 'lambda', date = new Date(), headers = {} } = {},
) {
  const u = new URL(url);
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256(body ?? '');
  const all = {
    ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
    host: u.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
  };
  const names = Object.keys(all).sort();
  // Lambda, as every service but S3, signs each path segment encoded once more.
  const path = u.pathname
    .split('/')
    .map((segment) => encode(segment))
    .join('/');
  const query = [...u.searchParams]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [
    method,
    path,
    query,
    names.map((n) => `${n}:${all[n].trim()}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host, ...rest } = all;
  return {
    ...rest,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/** fetch(), signed. */
export function signedFetch(url, { method = 'GET', body, headers = {}, credentials, date } = {}) {
  return fetch(url, { method, body, headers: sign(method, url, body, credentials, { headers, date }) });
}
