/**
 * STAND-IN PROBER — NOT THE COLLECTOR. bench:scan runs it (`--stand-in`, or automatically while
 * `packages/collector/src/commands/scan-command.ts` does not exist) only to prove that the
 * namespace, the drop rules and the simulator work at /16 scale. Its figures say nothing about
 * ICE; remove it once `ice scan` has been measured.
 *
 *   node bench/scan/stand-in-prober.ts scan 127.77.0.0/16 --json [--concurrency 1024]
 *        [--snmp-timeout 1000] [--snmp-retries 1] [--community public] [--port 161]
 *
 * What it does: one SNMPv2c GET sysDescr.0 + sysObjectID.0 per address from one UDP socket, at
 * most `concurrency` addresses outstanding, a retry after each timeout; no ping (ping options are
 * accepted and ignored). Every answering address counts as a "device" (no printer check). Prints
 * the same JSON shape as `ice scan --json` (kind "stand-in"), with its own traffic figures.
 */
import { randomUUID } from "node:crypto";
import dgram from "node:dgram";
import { parseArgs } from "node:util";
import { intToIpv4, parseCidr } from "../../packages/collector/src/testing/netns.ts";
import { parseResponse, SYS_DESCR, SYS_OBJECT_ID, snmpGetPacket } from "./snmp-get.ts";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      "no-ping": { type: "boolean" },
      "ping-timeout": { type: "string" },
      "ping-retries": { type: "string" },
      "snmp-timeout": { type: "string", default: "1000" },
      "snmp-retries": { type: "string", default: "1" },
      concurrency: { type: "string", default: "1024" },
      community: { type: "string", default: "public" },
      port: { type: "string", default: "161" },
    },
  });
  const [command, ...targets] = positionals;
  if (command !== "scan" || targets.length !== 1) {
    process.stderr.write("usage: stand-in-prober.ts scan <cidr> --json [options]\n");
    return 1;
  }
  const cidr = parseCidr(targets[0] as string);
  const timeoutMs = Number(values["snmp-timeout"]);
  const retries = Number(values["snmp-retries"]);
  const concurrency = Math.max(1, Number(values.concurrency));
  const port = Number(values.port);
  const startedAt = new Date().toISOString();
  process.stderr.write(
    `STAND-IN PROBER (not ICE): SNMP GET to ${cidr.size} addresses, concurrency ${concurrency}, ` +
      `timeout ${timeoutMs} ms, ${retries} retr${retries === 1 ? "y" : "ies"}, no ping\n`,
  );

  const socket = dgram.createSocket("udp4");
  await new Promise<void>((ok) => socket.bind(0, "127.0.0.1", () => ok()));
  let bytesSent = 0;
  let bytesReceived = 0;
  let nextId = 1;
  const pending = new Map<number, { address: string; done: (values: string[] | undefined) => void }>();
  socket.on("message", (msg, from) => {
    bytesReceived += msg.length;
    const reply = parseResponse(msg);
    const p = reply && pending.get(reply.requestId);
    if (p && p.address === from.address) p.done(reply.values);
  });

  const probe = async (address: string): Promise<string[] | undefined> => {
    for (let attempt = 0; attempt <= retries; attempt++) {
      const id = nextId++;
      const packet = snmpGetPacket(id, values.community, [SYS_DESCR, SYS_OBJECT_ID]);
      const got = await new Promise<string[] | undefined>((done) => {
        const timer = setTimeout(() => done(undefined), timeoutMs);
        pending.set(id, {
          address,
          done: (v) => {
            clearTimeout(timer);
            done(v);
          },
        });
        bytesSent += packet.length;
        socket.send(packet, port, address);
      });
      pending.delete(id);
      if (got) return got;
    }
    return undefined;
  };

  const devices: { record: { ip: string; sysDescr: string; sysObjectID: string }; credential: number }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cidr.size) {
      const address = intToIpv4(cidr.first + next++);
      const got = await probe(address);
      if (got)
        devices.push({
          record: { ip: address, sysDescr: got[0] ?? "", sysObjectID: got[1] ?? "" },
          credential: 0,
        });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cidr.size) }, worker));
  socket.close();
  const endedAt = new Date().toISOString();
  const report = [
    { target: cidr.text, tried: cidr.size, answeredSnmp: devices.length, printers: devices.length },
  ];
  process.stderr.write(`${cidr.text}: tried ${cidr.size}, answered SNMP ${devices.length}\n`);
  const result = {
    kind: "stand-in",
    scanId: randomUUID(),
    startedAt,
    endedAt,
    devices,
    report,
    traffic: { snmpBytesSent: bytesSent, snmpBytesReceived: bytesReceived, pingPackets: 0 },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
