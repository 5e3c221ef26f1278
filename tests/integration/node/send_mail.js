// Sends one message with nodemailer (npm), the way a Node.js application would.
//
//   node send_mail.js '{"host":"127.0.0.1","port":587,"secure":false,"requireTLS":true,
//                       "ca":"/path/cert.pem","user":"u","pass":"p","lmtp":false,
//                       "envelope":{"from":"...","to":["..."]},"raw":"...message..."}'
//
// Prints one JSON line: {"ok":true,"accepted":[...],"rejected":[...],"response":"250 ...",
// "messageId":...} or {"ok":false,"code":"EAUTH","responseCode":535,"response":"..."}; exit 0/1.
// Module resolution finds ../node_modules (tests/integration/package.json, `npm ci`).
'use strict';

const fs = require('fs');
const nodemailer = require('nodemailer');

async function main() {
  const o = JSON.parse(process.argv[2]);
  const transport = nodemailer.createTransport({
    host: o.host || '127.0.0.1',
    port: o.port,
    secure: !!o.secure,
    requireTLS: !!o.requireTLS,
    ignoreTLS: !!o.ignoreTLS,
    lmtp: !!o.lmtp,
    name: o.name || 'nodemailer.example.net',
    tls: o.ca
      ? { ca: [fs.readFileSync(o.ca)], servername: o.servername, checkServerIdentity: () => undefined }
      : { rejectUnauthorized: false },
    auth: o.user ? { user: o.user, pass: o.pass, method: o.method } : undefined,
    connectionTimeout: 20000,
    greetingTimeout: 20000,
    socketTimeout: 30000,
  });
  const mail = o.raw !== undefined
    ? { envelope: o.envelope, raw: o.raw }
    : { from: o.from, to: o.to, subject: o.subject, text: o.text, messageId: o.messageId,
        envelope: o.envelope };
  try {
    const info = await transport.sendMail(mail);
    console.log(JSON.stringify({ ok: true, accepted: info.accepted, rejected: info.rejected,
      rejectedErrors: (info.rejectedErrors || []).map((e) => e.response),
      response: info.response, messageId: info.messageId }));
    return 0;
  } catch (err) {
    console.log(JSON.stringify({ ok: false, code: err.code, responseCode: err.responseCode,
      response: err.response, command: err.command, message: String(err.message) }));
    return 1;
  } finally {
    transport.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.log(JSON.stringify({ ok: false, code: 'CRASH', message: String(err && err.stack) }));
  process.exit(2);
});
