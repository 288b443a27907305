/**
 * Many net-snmp sessions over a few real UDP sockets.
 *
 * A net-snmp Session opens its own socket through `options.dgramModule.createSocket()`; past the
 * open-file limit, requests silently never call back. `SharedUdp.dgramModule()` returns a module
 * whose `createSocket()` hands out a thin handle over one of a few real sockets instead. Replies
 * are dispatched by remote address:port to the handles that sent there; a session ignores replies
 * whose request id it does not know, so two sessions to the same agent may safely both see them.
 * A reply from another address (a multi-homed agent answering from its other interface, which a
 * socket of its own would accept) is dispatched by its request id (SNMPv3: message id) instead.
 *
 * The handle is also where every datagram passes: it counts bytes and packets per device and
 * waits for the scan's packet-rate gate before each send (retries included).
 */
import dgram from "node:dgram";
import { EventEmitter } from "node:events";

/** Datagrams and bytes of one device (or of anything that shares one counter). */
export interface TrafficCounter {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

export function newTrafficCounter(): TrafficCounter {
  return { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0 };
}

/**
 * Admits packets (a rate limiter): resolves when `cost` packets (default 1) may leave, or returns
 * undefined when they may leave now; rejects when the scan stops.
 */
export interface PacketGate {
  take(cost?: number): Promise<void> | undefined;
}

/** What net-snmp needs of the `dgram` module. */
export interface DgramModule {
  createSocket(type?: string): SharedSocketHandle;
}

export interface SharedUdpOptions {
  /** Real sockets to spread sessions over, default 1. */
  sockets?: number;
  /** Local address to bind, default all (0.0.0.0). */
  address?: string;
  /** Applied before every datagram sent through any handle. */
  gate?: PacketGate;
  /** Receive buffer per socket, default 4 MiB (the kernel caps it at net.core.rmem_max). */
  receiveBufferBytes?: number;
}

interface RealSocket {
  socket: dgram.Socket;
  /** "address:port" of a remote agent → the handles that sent to it. */
  routes: Map<string, Set<SharedSocketHandle>>;
  /** Request id (v3: message id) of every datagram sent and not yet closed → its handle. */
  ids: Map<number, SharedSocketHandle>;
}

export class SharedUdp {
  readonly #sockets: RealSocket[];
  readonly #gate: PacketGate | undefined;
  readonly #open = new Set<SharedSocketHandle>();
  #next = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Datagrams that came from an address no open handle sent to, matched by request id. */
  rerouted = 0;
  /** Datagrams no open handle sent for (late replies after a timeout, strays). */
  unrouted = 0;

  private constructor(sockets: RealSocket[], gate: PacketGate | undefined) {
    this.#sockets = sockets;
    this.#gate = gate;
  }

  static async open(options: SharedUdpOptions = {}): Promise<SharedUdp> {
    const count = Math.max(1, options.sockets ?? 1);
    const sockets: RealSocket[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const socket = dgram.createSocket({ type: "udp4" });
        await new Promise<void>((resolve, reject) => {
          socket.once("error", reject);
          socket.bind(0, options.address, () => {
            socket.off("error", reject);
            resolve();
          });
        });
        sockets.push({ socket, routes: new Map(), ids: new Map() });
      }
    } catch (err) {
      for (const s of sockets) s.socket.close();
      throw err;
    }
    const shared = new SharedUdp(sockets, options.gate);
    for (const real of sockets) {
      // Hundreds of agents may answer within a millisecond; a small buffer would drop answers.
      try {
        real.socket.setRecvBufferSize(options.receiveBufferBytes ?? 4 * 1024 * 1024);
      } catch {
        // kept at the system default
      }
      // Sessions keep the event loop alive with their own request timers; the socket need not.
      real.socket.unref();
      real.socket.on("message", (msg, rinfo) => shared.#dispatch(real, msg, rinfo));
      // A send error is reported to the sender's callback; one here (e.g. ICMP unreachable
      // surfacing on Linux) concerns no session in particular.
      real.socket.on("error", () => {});
    }
    return shared;
  }

  /** A `dgram`-like module for one net-snmp session; its traffic is added to `counter`. */
  dgramModule(counter?: TrafficCounter): DgramModule {
    return {
      createSocket: () => {
        if (this.#closed) throw new Error("shared UDP sockets are closed");
        const real = this.#sockets[this.#next++ % this.#sockets.length] as RealSocket;
        const handle = new SharedSocketHandle(real, this.#gate, counter, (h) => this.#open.delete(h));
        this.#open.add(handle);
        return handle;
      },
    };
  }

  /** Handles not yet closed: sessions that were not closed show up here. */
  get openHandles(): number {
    return this.#open.size;
  }

  /** Local ports of the real sockets. */
  get ports(): number[] {
    return this.#sockets.map((s) => s.socket.address().port);
  }

  /** Closes every handle (their sessions' pending requests fail at once) and the real sockets. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      for (const handle of [...this.#open]) handle.close();
      this.#closing = Promise.all(
        this.#sockets.map((s) => new Promise<void>((resolve) => s.socket.close(() => resolve()))),
      ).then(() => {});
    }
    return this.#closing;
  }

  #dispatch(real: RealSocket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const handles = real.routes.get(`${rinfo.address}:${rinfo.port}`);
    if (handles && handles.size > 0) {
      for (const handle of handles) handle.deliver(msg, rinfo);
      return;
    }
    const id = messageIdOf(msg);
    const handle = id === undefined ? undefined : real.ids.get(id);
    if (handle) {
      this.rerouted++;
      handle.deliver(msg, rinfo);
    } else this.unrouted++;
  }
}

/**
 * What one net-snmp session sees as its socket: send, close, events, ref/unref. It joins the
 * routing table for every remote it sends to and leaves it when closed.
 */
export class SharedSocketHandle extends EventEmitter {
  readonly #real: RealSocket;
  readonly #gate: PacketGate | undefined;
  readonly #counter: TrafficCounter | undefined;
  readonly #onClose: (h: SharedSocketHandle) => void;
  readonly #remotes = new Set<string>();
  readonly #ids = new Set<number>();
  #closed = false;

  constructor(
    real: RealSocket,
    gate: PacketGate | undefined,
    counter: TrafficCounter | undefined,
    onClose: (h: SharedSocketHandle) => void,
  ) {
    super();
    this.#real = real;
    this.#gate = gate;
    this.#counter = counter;
    this.#onClose = onClose;
  }

  send(
    buffer: Buffer,
    offset: number,
    length: number,
    port: number,
    address: string,
    callback?: (error: Error | null, bytes?: number) => void,
  ): void {
    const done = callback ?? (() => {});
    if (this.#closed) {
      queueMicrotask(() => done(new Error("socket closed")));
      return;
    }
    const key = `${address}:${port}`;
    if (!this.#remotes.has(key)) {
      this.#remotes.add(key);
      let handles = this.#real.routes.get(key);
      if (!handles) {
        handles = new Set();
        this.#real.routes.set(key, handles);
      }
      handles.add(this);
    }
    const id = messageIdOf(buffer.subarray(offset, offset + length));
    if (id !== undefined && !this.#ids.has(id)) {
      this.#ids.add(id);
      this.#real.ids.set(id, this);
    }
    const transmit = () => {
      if (this.#closed) return done(new Error("socket closed"));
      if (this.#counter) {
        this.#counter.packetsSent++;
        this.#counter.bytesSent += length;
      }
      this.#real.socket.send(buffer, offset, length, port, address, (err, bytes) => done(err, bytes));
    };
    const wait = this.#gate?.take();
    if (wait) wait.then(transmit, (err: Error) => done(err));
    else transmit();
  }

  /** Called by SharedUdp for a datagram from a remote this handle sent to. */
  deliver(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return;
    if (this.#counter) {
      this.#counter.packetsReceived++;
      this.#counter.bytesReceived += msg.length;
    }
    this.emit("message", msg, rinfo);
  }

  close(callback?: () => void): this {
    if (this.#closed) return this;
    this.#closed = true;
    for (const key of this.#remotes) {
      const handles = this.#real.routes.get(key);
      handles?.delete(this);
      if (handles?.size === 0) this.#real.routes.delete(key);
    }
    this.#remotes.clear();
    for (const id of this.#ids) if (this.#real.ids.get(id) === this) this.#real.ids.delete(id);
    this.#ids.clear();
    this.#onClose(this);
    // Like dgram: "close" comes asynchronously; net-snmp then fails the session's pending requests.
    process.nextTick(() => {
      this.emit("close");
      callback?.();
    });
    return this;
  }

  address(): dgram.RemoteInfo | { address: string; family: string; port: number } {
    return this.#real.socket.address();
  }

  bind(): this {
    throw new Error("a shared socket handle cannot bind: the real socket is already bound");
  }

  // The real socket stays unref'd; net-snmp's request timers keep the process alive meanwhile.
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

/**
 * The request id of an SNMP v1/v2c message, or the message id of a v3 one (what net-snmp matches
 * answers by), read from the BER header without decoding the rest; undefined when not SNMP.
 */
export function messageIdOf(msg: Buffer): number | undefined {
  let at = 0;
  /** Reads a tag and length; returns the content's start, or -1. */
  const header = (tag: number | undefined): number => {
    if (at + 2 > msg.length || (tag !== undefined && msg[at] !== tag)) return -1;
    const first = msg[at + 1] as number;
    let start = at + 2;
    let length = first;
    if (first & 0x80) {
      const bytes = first & 0x7f;
      if (bytes === 0 || bytes > 4 || start + bytes > msg.length) return -1;
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + (msg[start + i] as number);
      start += bytes;
    }
    at = start + length;
    return start + length <= msg.length ? start : -1;
  };
  const integer = (): number | undefined => {
    const start = header(0x02);
    if (start < 0 || at - start < 1 || at - start > 5) return undefined;
    let n = 0;
    for (let i = start; i < at; i++) n = n * 256 + (msg[i] as number);
    return n;
  };
  const outer = header(0x30);
  if (outer < 0) return undefined;
  at = outer;
  const version = integer();
  if (version === undefined) return undefined;
  if (version === 3) {
    const global = header(0x30);
    if (global < 0) return undefined;
    at = global;
    return integer();
  }
  if (header(0x04) < 0) return undefined; // community
  const pdu = header(undefined); // any PDU type
  if (pdu < 0) return undefined;
  at = pdu;
  return integer();
}
