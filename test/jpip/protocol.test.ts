/**
 * The protocol core without a server: VBAS (15444-9 A.2.1), message headers with header
 * compression (Bin-ID indicator 1/2/3, completion bit, in-class identifiers over several bytes),
 * EOR messages (D.3), request fields (Annex C) and the cache model (B.3, C.8.1).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { encodeVbas, readVbas, vbasLength } from "../../src/jpip/vbas.js";
import { BinClass, EorReason, MessageParser, MessageWriter, parseMessages, type DataMessage, type JpipMessage } from "../../src/jpip/messages.js";
import { JpipRequestError, parseModel, parseRequest, parseTpModel } from "../../src/jpip/request.js";
import { CacheModel } from "../../src/jpip/model.js";
import { DataBin } from "../../src/jpip/cache.js";

describe("VBAS", () => {
  test("round trip of any safe integer, with the length the 7-bit groups need", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat()), (v) => {
        const b = encodeVbas(v);
        expect(b.length).toBe(vbasLength(v));
        expect(b.length).toBe(Math.max(1, Math.ceil(Math.log2(v + 1) / 7)));
        // continuation bit on every byte but the last
        for (let i = 0; i < b.length; i++) expect(b[i]! >> 7).toBe(i < b.length - 1 ? 1 : 0);
        expect(readVbas(b, 0)).toEqual({ value: v, next: b.length });
        // cut short: not an error, just "more bytes needed"
        if (b.length > 1) expect(readVbas(b.subarray(0, b.length - 1), 0)).toBeUndefined();
      }),
    );
  });

  test("known encodings (A.2.1: big-endian 7-bit groups)", () => {
    expect([...encodeVbas(0)]).toEqual([0]);
    expect([...encodeVbas(127)]).toEqual([0x7f]);
    expect([...encodeVbas(128)]).toEqual([0x81, 0x00]);
    expect([...encodeVbas(300)]).toEqual([0x82, 0x2c]);
  });

  test("a VBAS longer than 8 bytes is refused with a typed error", () => {
    expect(() => readVbas(new Uint8Array(9).fill(0x81), 0)).toThrow(expect.objectContaining({ code: "JPIP_STREAM_INVALID" }));
  });
});

const CLASSES = [BinClass.PRECINCT, BinClass.EXTENDED_PRECINCT, BinClass.TILE_HEADER, BinClass.TILE, BinClass.EXTENDED_TILE, BinClass.MAIN_HEADER, BinClass.METADATA];

const messageArb = fc.record({
  cls: fc.constantFrom(...CLASSES),
  id: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 ** 40 })),
  csn: fc.integer({ min: 0, max: 2 }),
  offset: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 45 })),
  complete: fc.boolean(),
  aux: fc.integer({ min: 0, max: 1000 }),
  data: fc.uint8Array({ maxLength: 40 }),
});

describe("JPP/JPT message headers", () => {
  test("any message sequence round-trips through writer and parser, whatever the chunking", () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 7 }), (msgs, cuts, reason) => {
        const w = new MessageWriter();
        const parts = msgs.map((m) => w.data({ cls: m.cls, id: m.id, csn: m.csn, offset: m.offset, complete: m.complete, data: m.data, ...(m.cls & 1 ? { aux: m.aux } : {}) }));
        parts.push(w.eor(reason, new Uint8Array([reason])));
        const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
        let o = 0;
        for (const p of parts) {
          all.set(p, o);
          o += p.length;
        }
        const parser = new MessageParser();
        const got: JpipMessage[] = [];
        let pos = 0, i = 0;
        while (pos < all.length) {
          const n = cuts[i++ % cuts.length]!;
          got.push(...parser.push(all.subarray(pos, pos + n)));
          pos += n;
        }
        expect(parser.pending).toBe(0);
        expect(got).toHaveLength(msgs.length + 1);
        msgs.forEach((m, k) => {
          const g = got[k] as DataMessage;
          expect(g.kind).toBe("data");
          expect([g.cls, g.id, g.csn, g.offset, g.complete]).toEqual([m.cls, m.id, m.csn, m.offset, m.complete]);
          expect(g.aux).toBe(m.cls & 1 ? m.aux : undefined);
          expect([...g.data]).toEqual([...m.data]);
        });
        expect(got[msgs.length]).toEqual({ kind: "eor", reason, body: new Uint8Array([reason]) });
      }),
    );
  });

  test("headers are compressed: indicator 1 when class and CSn repeat, 2 when only CSn does, 3 otherwise", () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 2, maxLength: 20 }), (msgs) => {
        const w = new MessageWriter();
        let prev: { cls: number; csn: number } | undefined;
        for (const m of msgs) {
          const b = w.data({ cls: m.cls, id: m.id, csn: m.csn, offset: m.offset, complete: m.complete, data: m.data, ...(m.cls & 1 ? { aux: m.aux } : {}) });
          const indicator = (b[0]! >> 5) & 3;
          const want = !prev ? 3 : prev.cls === m.cls && prev.csn === m.csn ? 1 : prev.csn === m.csn ? 2 : 3;
          expect(indicator).toBe(want);
          expect((b[0]! >> 4) & 1).toBe(m.complete ? 1 : 0);
          prev = { cls: m.cls, csn: m.csn };
        }
      }),
    );
  });

  test("known bytes: the rules of A.2.1 applied by hand", () => {
    const w = new MessageWriter();
    // first message: indicator 3 (class and CSn present), complete, in-class id 5 in the low 4 bits
    expect([...w.data({ cls: 0, id: 5, csn: 0, offset: 0, complete: true, data: new Uint8Array([9, 8, 7]) })]).toEqual([0x75, 0x00, 0x00, 0x00, 0x03, 9, 8, 7]);
    // same class and CSn: indicator 1; id 200 needs 11 bits: 1 in the first byte, 0x48 in the second
    expect([...w.data({ cls: 0, id: 200, csn: 0, offset: 10, complete: false, data: new Uint8Array([1]) })]).toEqual([0xa1, 0x48, 0x0a, 0x01, 1]);
    // another class, same CSn: indicator 2 with the class VBAS; extended precinct carries Aux
    expect([...w.data({ cls: 1, id: 1, csn: 0, offset: 0, complete: false, aux: 2, data: new Uint8Array(0) })]).toEqual([0x41, 0x01, 0x00, 0x00, 0x02]);
    // EOR: 0x00, reason, body length
    expect([...w.eor(EorReason.BYTE_LIMIT)]).toEqual([0x00, 0x04, 0x00]);
  });

  test("a stream whose first header is compressed takes class 0 and CSn 0; indicator 0 is refused", () => {
    const [m] = parseMessages(new Uint8Array([0x23, 0x00, 0x01, 0xaa]));
    expect(m).toMatchObject({ kind: "data", cls: 0, csn: 0, id: 3, offset: 0, complete: false });
    expect(() => parseMessages(new Uint8Array([0x05, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: "JPIP_STREAM_INVALID" }));
  });

  test("a message cut short is incomplete, not an error; bytes after EOR are refused in one response", () => {
    const w = new MessageWriter();
    const b = w.data({ cls: 6, id: 0, csn: 0, offset: 0, complete: true, data: new Uint8Array(50) });
    const p = new MessageParser();
    expect(p.push(b.subarray(0, 20))).toEqual([]);
    expect(p.push(b.subarray(20))).toHaveLength(1);
    p.push(w.eor(2));
    expect(() => p.push(new Uint8Array([0x75]))).toThrow(expect.objectContaining({ code: "JPIP_STREAM_INVALID" }));
    // a saved session: responses one after another
    expect(parseMessages(new Uint8Array([...w.eor(2), ...new MessageWriter().data({ cls: 6, id: 0, csn: 0, offset: 0, complete: true, data: new Uint8Array(1) }), 0, 1, 0]))).toHaveLength(3);
  });

  test("a hostile length is refused before anything is allocated", () => {
    // Msg-Length 2^31
    expect(() => new MessageParser().push(new Uint8Array([0x70, 0x06, 0x00, 0x00, 0x88, 0x80, 0x80, 0x80, 0x00]))).toThrow(expect.objectContaining({ code: "JPIP_STREAM_INVALID" }));
  });
});

describe("request fields (Annex C)", () => {
  test("a full request", () => {
    const r = parseRequest("target=a%2Fb.jp2&fsiz=640,480,round-up&roff=10,20&rsiz=100,50&comps=0-1,3&layers=2&type=jpt-stream,jpp-stream&len=1000&cnew=http&qid=3&wait=yes&model=Hm,H0-2,P7:L1,-P3,P*:120,M0:10&tpmodel=0.0-0.2,3.1&need=P1&unknownfield=xyz&preflen=9");
    expect(r).toMatchObject({ target: "a/b.jp2", cnew: ["http"], qid: 3, type: ["jpt-stream", "jpp-stream"], len: 1000, wait: true });
    expect(r.window).toEqual({ fsiz: [640, 480], round: "round-up", roff: [10, 20], rsiz: [100, 50], comps: [0, 1, 3], layers: 2 });
    expect(r.model!.map((m) => [m.subtract, m.cls, m.from, m.to, m.all, m.bytes, m.layers])).toEqual([
      [false, "main", 0, 0, false, undefined, undefined],
      [false, "tileHeader", 0, 2, false, undefined, undefined],
      [false, "precinct", 7, 7, false, undefined, 1],
      [true, "precinct", 3, 3, false, undefined, undefined],
      [false, "precinct", 0, Number.MAX_SAFE_INTEGER, true, 120, undefined],
      [false, "meta", 0, 0, false, 10, undefined],
    ]);
    expect(r.tpmodel).toEqual([{ tile: 0, part: 0 }, { tile: 0, part: 1 }, { tile: 0, part: 2 }, { tile: 3, part: 1 }]);
  });

  test.each([
    ["fsiz=640", "fsiz"],
    ["fsiz=a,b", "fsiz"],
    ["fsiz=10,10,sideways", "rounding"],
    ["fsiz=0,10", "at least 1"],
    ["roff=1,2", "need fsiz"],
    ["fsiz=10,10&rsiz=0,5", "rsiz"],
    ["layers=-1", "layers"],
    ["comps=3-1", "empty"],
    ["len=abc", "len"],
    ["wait=maybe", "wait"],
    ["model=X5", "class"],
    ["model=Hm7", "Hm"],
    ["model=P5-2", "empty"],
    ["tpmodel=1.2-3.4", "one tile"],
    ["target=a&target=b", "twice"],
    ["cid=%ZZ", "percent"],
  ])("'%s' is a 400 naming the problem", (q, words) => {
    let err: unknown;
    try {
      parseRequest(q);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JpipRequestError);
    expect((err as JpipRequestError).status).toBe(400);
    expect((err as Error).message).toContain(words);
  });

  test("no supported return type is a 415", () => {
    expect(() => parseRequest("target=x&type=image/jpeg")).toThrow(expect.objectContaining({ status: 415 }));
  });

  test("parseModel / parseTpModel reject garbage", () => {
    expect(() => parseModel("model", "P*:Lx")).toThrow(JpipRequestError);
    expect(() => parseModel("model", "H1:L2")).toThrow(/precinct/);
    expect(() => parseTpModel("1")).toThrow(JpipRequestError);
  });
});

describe("cache model (B.3)", () => {
  test("additive and subtractive items, wildcards, layers, journal rollback", () => {
    const m = new CacheModel();
    m.apply(parseModel("model", "Hm,H0-2,P5:100,P6:L2,P*:L1,-P9"));
    expect(m.bytes("main", 0)).toBe(Infinity);
    expect(m.bytes("tileHeader", 2)).toBe(Infinity);
    expect(m.bytes("tileHeader", 3)).toBe(0);
    expect(m.bytes("precinct", 5)).toBe(100);
    const layerStart = [0, 40, 90, 130];
    expect(m.bytes("precinct", 6, layerStart)).toBe(90);
    expect(m.bytes("precinct", 8, layerStart)).toBe(40); // P*:L1
    expect(m.bytes("precinct", 9, layerStart)).toBe(0); // -P9 after the wildcard
    m.begin();
    m.add("precinct", 9, 30);
    m.add("tileHeader", 3, Infinity);
    m.rollback();
    expect(m.bytes("precinct", 9, layerStart)).toBe(0);
    expect(m.bytes("tileHeader", 3)).toBe(0);
    m.begin();
    m.add("tileHeader", 3, Infinity);
    m.commit();
    expect(m.bytes("tileHeader", 3)).toBe(Infinity);
  });

  test("the client's data-bin assembles out-of-order, overlapping messages and knows its prefix", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 20 }), (bytes, cuts) => {
        const bin = new DataBin();
        const pieces = cuts.map(([a, b]) => {
          const s = a % bytes.length, e = Math.min(bytes.length, s + 1 + (b % bytes.length));
          return [s, e] as const;
        });
        pieces.push([0, bytes.length]);
        for (const [s, e] of pieces) bin.add(s, bytes.subarray(s, e), e === bytes.length);
        expect(bin.complete).toBe(true);
        expect([...bin.bytes()]).toEqual([...bytes]);
      }),
    );
  });
});
