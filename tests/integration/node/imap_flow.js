// Drives Postroom's IMAP with npm imapflow, the way a Node.js mail application would.
//
//   node imap_flow.js '{"host":"127.0.0.1","port":993,"user":"u","pass":"p","secure":true,
//                       "qresync":true,"idleTimeoutMs":10000}'
//
// Steps (each result is one JSON line on stdout; the last line is the summary):
//   connect, capabilities, list, mailboxOpen INBOX (CONDSTORE/QRESYNC when offered), fetch
//   envelope+source+flags of every message, messageFlagsAdd \Flagged on the first, messageMove
//   of the last to Trash, then IDLE: prints {"stage":"idling"} and waits for an `exists` event
//   (the Python side delivers a message when it reads that line), prints {"stage":"exists",...}.
// Exit 0 when every step ran, 1 on an IMAP error (the JSON says where), 2 on a crash.
'use strict';

const { ImapFlow } = require('imapflow');

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function main() {
  const o = JSON.parse(process.argv[2]);
  const client = new ImapFlow({
    host: o.host || '127.0.0.1',
    port: o.port,
    secure: o.secure !== false,
    doSTARTTLS: o.secure === false ? true : undefined,
    tls: { rejectUnauthorized: false },
    auth: { user: o.user, pass: o.pass },
    logger: false,
    qresync: !!o.qresync,
    disableAutoIdle: true,
    connectionTimeout: 20000,
    greetingTimeout: 20000,
    socketTimeout: 60000,
  });
  const summary = { ok: false, stage: 'connect' };
  client.on('error', (err) => out({ event: 'error', message: String(err && err.message) }));
  try {
    await client.connect();
    summary.capabilities = Array.from(client.capabilities.keys());
    summary.enabled = Array.from(client.enabled || []);
    summary.secureConnection = !!client.secureConnection;

    summary.stage = 'list';
    const list = await client.list();
    summary.list = list.map((m) => ({ path: m.path, specialUse: m.specialUse || null,
      flags: Array.from(m.flags || []), delimiter: m.delimiter }));

    summary.stage = 'mailboxOpen';
    const mb = await client.mailboxOpen('INBOX');
    summary.mailbox = { path: mb.path, exists: mb.exists, uidValidity: String(mb.uidValidity),
      uidNext: mb.uidNext, highestModseq: mb.highestModseq !== undefined ? String(mb.highestModseq) : null,
      flags: Array.from(mb.flags || []), permanentFlags: Array.from(mb.permanentFlags || []),
      readOnly: !!mb.readOnly };
    summary.enabled = Array.from(client.enabled || []);

    summary.stage = 'fetch';
    const messages = [];
    for await (const msg of client.fetch('1:*', { uid: true, flags: true, envelope: true, source: true,
      size: true, internalDate: true, bodyStructure: true })) {
      messages.push({ seq: msg.seq, uid: msg.uid, flags: Array.from(msg.flags || []), size: msg.size,
        modseq: msg.modseq !== undefined ? String(msg.modseq) : null,
        envelope: {
          subject: msg.envelope.subject, messageId: msg.envelope.messageId,
          from: (msg.envelope.from || []).map((a) => ({ name: a.name, address: a.address })),
          to: (msg.envelope.to || []).map((a) => ({ name: a.name, address: a.address })),
          date: msg.envelope.date ? new Date(msg.envelope.date).toISOString() : null,
        },
        bodyType: msg.bodyStructure ? msg.bodyStructure.type : null,
        source: msg.source.toString('base64') });
    }
    summary.messages = messages;

    summary.stage = 'messageFlagsAdd';
    if (messages.length) {
      summary.flagsAdded = await client.messageFlagsAdd({ uid: messages[0].uid }, ['\\Flagged', '$Imapflow'],
        { uid: true });
      const after = await client.fetchOne(String(messages[0].uid), { flags: true, uid: true }, { uid: true });
      summary.flagsAfter = Array.from(after.flags || []);
    }

    summary.stage = 'messageMove';
    if (messages.length > 1) {
      const last = messages[messages.length - 1];
      const moved = await client.messageMove(String(last.uid), 'Trash', { uid: true });
      summary.moved = { uid: last.uid, destination: moved && moved.destination,
        uidMap: moved && moved.uidMap ? Array.from(moved.uidMap.entries()) : null };
      summary.existsAfterMove = client.mailbox.exists;
    }

    summary.stage = 'idle';
    const exists = new Promise((resolve) => {
      client.on('exists', (data) => resolve({ path: data.path, count: data.count, prevCount: data.prevCount }));
    });
    const idling = client.idle();
    out({ stage: 'idling' });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), o.idleTimeoutMs || 10000));
    const started = Date.now();
    const event = await Promise.race([exists, timeout]);
    summary.existsEvent = event;
    summary.existsAfterMs = event ? Date.now() - started : null;
    out({ stage: 'exists', event });

    summary.stage = 'status';
    summary.trash = await client.status('Trash', { messages: true, unseen: true });
    await idling.catch(() => undefined);
    summary.stage = 'logout';
    await client.logout();
    summary.ok = true;
    out(summary);
    return 0;
  } catch (err) {
    summary.error = { message: String(err && err.message), responseText: err && err.responseText,
      responseStatus: err && err.responseStatus, code: err && err.code,
      serverResponseCode: err && err.serverResponseCode };
    out(summary);
    try { client.close(); } catch (e) { /* already closed */ }
    return 1;
  }
}

main().then((code) => process.exit(code), (err) => {
  out({ ok: false, stage: 'crash', message: String(err && err.stack) });
  process.exit(2);
});
