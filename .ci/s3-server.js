'use strict';
// The S3 test server for the s3: archive tests: s3rver 3.7.1 (the S3 protocol: buckets, PUT, GET,
// DELETE, ListObjectsV2 with continuation tokens, S3's error XML), plus the three S3 guarantees
// those tests are about and s3rver does not give:
//   1. integrity: a PUT whose body does not match its x-amz-checksum-sha256, x-amz-content-sha256
//      (a hex payload hash) or Content-MD5 header is refused (400 BadDigest or
//      XAmzContentSHA256Mismatch), as S3 does; s3rver checks none of them;
//   2. all or nothing: the body is received whole before s3rver sees it, so an upload cut off
//      midway stores nothing; s3rver writes the body into the object's file as it arrives, so a
//      dropped upload would leave a truncated object (or half an old one) under the key;
//   3. one writer per key: PUTs and DELETEs of one key run one after the other, so concurrent PUTs
//      leave one whole object; s3rver's concurrent writers to one file interleave;
//   4. read after write: a PUT is answered once the object is whole on disk, and an object is
//      replaced all at once (written beside it, then renamed over it). s3rver answers a PUT when
//      the body has passed through its MD5 transform, before its file stream has opened the file,
//      let alone written it, and it serves a GET the size the file has at that moment (fs.stat),
//      so a GET right after a PUT could get a shorter object that looks whole (Content-Length
//      and body agree): an archive sweep read an events.ndjson back as its first 524,288 bytes.
//      A GET or HEAD also takes its turn behind the key's writers while it opens the file, so its
//      size and content come from one version of the object.
// A body in aws-chunked encoding (the SDK's streaming signatures and checksum trailers) is refused
// with 501 NotImplemented: s3rver cannot decode it and would store the chunk framing as content.
// s3rver does not verify SigV4 signatures: any well-formed one of a known key id (S3RVER) passes.
//
// Usage: node s3-server.js <address> <port> <data-dir> <bucket>; S3RVER_HOME is where
// `npm install s3rver@3.7.1` ran.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { Readable } = require('stream');

const home = process.env.S3RVER_HOME;
if (!home) {
  console.error('S3RVER_HOME is not set (the directory holding node_modules/s3rver)');
  process.exit(2);
}
const S3rver = require(path.join(home, 'node_modules', 's3rver'));
const S3Error = require(path.join(home, 'node_modules', 's3rver', 'lib', 'models', 'error'));

const [address, port, directory, bucket] = process.argv.slice(2);

function s3Error(status, code, message) {
  const err = new S3Error(code, message);
  err.status = status;
  err.expose = true;
  return err;
}

// the whole body, or an error when the client goes away before sending all of it
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let ended = false;
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('client aborted the upload')));
    req.on('close', () => {
      if (!ended) reject(new Error('connection closed before the body ended'));
    });
  });
}

const tails = new Map(); // "bucket/key" -> the promise the next writer of that key waits for

async function oneWriterPerKey(id, work) {
  const before = tails.get(id) || Promise.resolve();
  let release;
  const mine = new Promise(resolve => (release = resolve));
  const tail = before.then(() => mine);
  tails.set(id, tail);
  await before;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(id) === tail) tails.delete(id);
  }
}

function objectId(ctx) {
  // path style only (vhost buckets are off): /bucket/key...
  const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
  return m ? m[1] + '/' + m[2] : null;
}

async function strictObjects(ctx, next) {
  const id = objectId(ctx);
  if (id === null) {
    return next();
  }
  if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'DELETE') {
    // a GET's handler returns once the file is open (the body streams after): in turn, it sees
    // the size and the content of the same, whole object
    return oneWriterPerKey(id, next);
  }
  if (ctx.method !== 'PUT') {
    return next();
  }
  if ((ctx.get('content-encoding') || '').includes('aws-chunked')) {
    throw s3Error(
      501,
      'NotImplemented',
      'this test server cannot decode aws-chunked bodies; send a plain body',
    );
  }
  const body = await readBody(ctx.req); // a cut-off upload ends here: nothing is stored
  const declared = ctx.get('content-length');
  if (declared !== '' && Number(declared) !== body.length) {
    throw s3Error(400, 'IncompleteBody', 'got ' + body.length + ' of ' + declared + ' bytes');
  }
  const sha256 = crypto.createHash('sha256').update(body).digest();
  const checksum = ctx.get('x-amz-checksum-sha256');
  if (checksum !== '' && checksum !== sha256.toString('base64')) {
    throw s3Error(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  }
  const payloadHash = ctx.get('x-amz-content-sha256');
  if (/^[0-9a-fA-F]{64}$/.test(payloadHash) && payloadHash.toLowerCase() !== sha256.toString('hex')) {
    throw s3Error(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  const md5 = ctx.get('content-md5');
  if (md5 !== '' && md5 !== crypto.createHash('md5').update(body).digest('base64')) {
    throw s3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  // what s3rver's PUT handler reads the content from
  ctx.req = Readable.from(body.length > 0 ? [body] : [], { objectMode: false });
  return oneWriterPerKey(id, next);
}

const server = new S3rver({
  address,
  port: Number(port),
  directory,
  silent: false,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: [] }],
});
// s3rver's putObject resolves before its file is written (see 4. above): store the object whole
// under a temporary name beside it (not listed: it does not end in ._S3rver_object), record its
// metadata, then rename it over the object; answer only then.
let tmpCounter = 0;
server.store.putObject = async function putObjectWhole(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const content = Buffer.isBuffer(object.content) ? object.content : await readAll(object.content);
  const md5 = crypto.createHash('md5').update(content).digest('hex');
  const tmp = objectPath + '.tmp-' + process.pid + '-' + tmpCounter++;
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  try {
    await fs.promises.writeFile(tmp, content);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    // a DELETE of a neighbouring key removed the directory, which was empty, meanwhile
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    await fs.promises.writeFile(tmp, content);
  }
  try {
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await fs.promises.rename(tmp, objectPath);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  return { size: content.length, md5 };
};

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', chunk => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

// Koa composes the middleware when the server starts: run ours just before s3rver's router, after
// its error and XML handling, so our refusals are S3 error documents like its own.
server.middleware.splice(server.middleware.length - 1, 0, strictObjects);
server.run().then(
  ({ address: a, port: p }) => console.log('s3 test server (s3rver 3.7.1) listening on %s:%d', a, p),
  err => {
    console.error(err);
    process.exit(1);
  },
);
