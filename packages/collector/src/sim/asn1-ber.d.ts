// Types for the parts of asn1-ber 1.2.2 (net-snmp's BER library) that the simulator uses.
declare module "asn1-ber" {
  export class BerReader {
    constructor(data: Buffer);
    readonly offset: number;
    /** Length of the element whose header was read last. */
    readonly length: number;
    peek(): number | null;
    readSequence(tag?: number): number | null;
    readInt(tag?: number): number | null;
    readString(tag: number, asBuffer: true): Buffer | null;
  }
  export class BerWriter {
    constructor(options?: { size?: number; growthFactor?: number });
    readonly buffer: Buffer;
    startSequence(tag?: number): void;
    endSequence(): void;
    writeInt(value: number, tag?: number): void;
    writeBuffer(value: Buffer, tag?: number): void;
  }
  const asn1: { BerReader: typeof BerReader; BerWriter: typeof BerWriter };
  export default asn1;
}
