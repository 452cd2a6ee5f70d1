import Foundation
import Testing
@testable import ModelFiles

// Each decoder gets a block whose bytes are written out by hand; expected values are
// worked out in the comments from the ggml block layout, independently of the decoder.

@Test func f32F16BF16() throws {
    // F32: bit patterns of 1.5 and -0.375, little-endian.
    #expect(try dequantized([0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0xC0, 0xBE], .f32, count: 2) == [1.5, -0.375])
    // F16: 0x3C00 = 1.0; 0xC100 = -(1 + 256/1024) * 2^1 = -2.5; 0x7BFF = 65504 (largest);
    // 0x0001 = 2^-24 (smallest subnormal); 0x8000 = -0.0.
    let h = try dequantized([0x00, 0x3C, 0x00, 0xC1, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x80], .f16, count: 5)
    #expect(h == [1.0, -2.5, 65504, 0x1p-24, 0])
    #expect(h[4].sign == .minus)
    // BF16 = top 16 bits of a Float: 0x3F80 = 1.0, 0xC020 = -2.5, 0x4049 = 0x40490000 = 3.140625.
    #expect(try dequantized([0x80, 0x3F, 0x20, 0xC0, 0x49, 0x40], .bf16, count: 3) == [1.0, -2.5, 3.140625])
}

@Test func q8_0() throws {
    // d = 0.125 (0x3000); qs[j] = 8j - 128 (int8, -128 ... 120) → x[j] = (8j - 128) / 8 = j - 16.
    // A second block with d = -2 (0xC000) and qs[j] = j - 16 → x[32 + j] = -2 (j - 16) = 32 - 2j.
    var bytes = halfBytes(0.125) + (0..<32).map { (j: Int) -> UInt8 in UInt8(bitPattern: Int8(j * 8 - 128)) }
    bytes += halfBytes(-2) + (0..<32).map { (j: Int) -> UInt8 in UInt8(bitPattern: Int8(j - 16)) }
    #expect(bytes.count == 2 * 34)
    let x = try dequantized(bytes, .q8_0, count: 64)
    #expect(x[0] == -16)   // -128 * 0.125
    #expect(x[17] == 1)    // (136 - 128) * 0.125
    #expect(x[31] == 15)   // 120 * 0.125
    #expect(x[32] == 32)   // -16 * -2
    #expect(x[63] == -30)  // 15 * -2
    let first: [Float] = (0..<32).map { (j: Int) -> Float in Float(j - 16) }
    let second: [Float] = (0..<32).map { (j: Int) -> Float in Float(32 - 2 * j) }
    #expect(x == first + second)
}

@Test func q4_0() throws {
    // d = 0.25 (0x3400); qs[j] = j | (15 - j) << 4 for j = 0..15.
    // Low nibbles are elements 0..15: x[j] = (j - 8) * 0.25;
    // high nibbles are elements 16..31: x[16 + j] = (15 - j - 8) * 0.25 = (7 - j) * 0.25.
    let bytes = halfBytes(0.25) + (0..<16).map { (j: Int) -> UInt8 in UInt8(j | (15 - j) << 4) }
    let x = try dequantized(bytes, .q4_0, count: 32)
    #expect(x[0] == -2)     // (0 - 8) * 0.25
    #expect(x[8] == 0)      // (8 - 8) * 0.25
    #expect(x[15] == 1.75)  // (15 - 8) * 0.25
    #expect(x[16] == 1.75)  // qs[0] high nibble 15: (15 - 8) * 0.25
    #expect(x[31] == -2)    // qs[15] high nibble 0
    let low: [Float] = (0..<16).map { (j: Int) -> Float in Float(j - 8) * 0.25 }
    let high: [Float] = (0..<16).map { (j: Int) -> Float in Float(7 - j) * 0.25 }
    #expect(x == low + high)
}

@Test func q4_1() throws {
    // d = 1.5 (0x3E00), m = -2 (0xC000); qs[j] = j | (15 - j) << 4.
    // x[j] = j * 1.5 - 2; x[16 + j] = (15 - j) * 1.5 - 2.
    let bytes = halfBytes(1.5) + halfBytes(-2) + (0..<16).map { (j: Int) -> UInt8 in UInt8(j | (15 - j) << 4) }
    let x = try dequantized(bytes, .q4_1, count: 32)
    #expect(x[0] == -2)     // 0 * 1.5 - 2
    #expect(x[3] == 2.5)    // 3 * 1.5 - 2
    #expect(x[15] == 20.5)  // 15 * 1.5 - 2
    #expect(x[16] == 20.5)  // high nibble of qs[0] = 15
    #expect(x[31] == -2)    // high nibble of qs[15] = 0
    let low: [Float] = (0..<16).map { (j: Int) -> Float in Float(j) * 1.5 - 2 }
    let high: [Float] = (0..<16).map { (j: Int) -> Float in Float(15 - j) * 1.5 - 2 }
    #expect(x == low + high)
}

@Test func q4_K() throws {
    // d = 0.5, dmin = 0.25. Sub-block scales and mins (6 bits, the last four need the
    // high-bit packing):   sc = [1, 2, 3, 4, 33, 40, 50, 63],  m = [5, 6, 7, 8, 17, 20, 45, 60]
    // bytes 0-3: sc[j] | (sc[4+j] >> 4) << 6: 1|2<<6=0x81, 2|2<<6=0x82, 3|3<<6=0xC3, 4|3<<6=0xC4
    // bytes 4-7: m[j] | (m[4+j] >> 4) << 6:   5|1<<6=0x45, 6|1<<6=0x46, 7|2<<6=0x87, 8|3<<6=0xC8
    // bytes 8-11: (sc[4+j] & 15) | (m[4+j] & 15) << 4: 1|1<<4=0x11, 8|4<<4=0x48, 2|13<<4=0xD2, 15|12<<4=0xCF
    let scales: [UInt8] = [0x81, 0x82, 0xC3, 0xC4, 0x45, 0x46, 0x87, 0xC8, 0x11, 0x48, 0xD2, 0xCF]
    // qs[i] = (i % 16) | (15 - i % 16) << 4 for i = 0..127.
    let qs = (0..<128).map { (i: Int) -> UInt8 in UInt8(i % 16 | (15 - i % 16) << 4) }
    let bytes = halfBytes(0.5) + halfBytes(0.25) + scales + qs
    #expect(bytes.count == 144)
    let x = try dequantized(bytes, .q4_K, count: 256)
    // Element e: chunk c = e / 64 uses qs[32c ..< 32c+32]; r = e % 64; r < 32 → low nibble
    // of qs[32c + r], sub-block 2c; else high nibble of qs[32c + r - 32], sub-block 2c+1.
    #expect(x[0] == -1.25)   // sub 0, qs[0] lo 0:        0.5*1*0  - 0.25*5  = -1.25
    #expect(x[33] == 12.5)   // sub 1, qs[1] hi 14:       0.5*2*14 - 0.25*6  = 14 - 1.5
    #expect(x[70] == 7.25)   // sub 2, qs[38] lo 6:       0.5*3*6  - 0.25*7  = 9 - 1.75
    #expect(x[100] == 20)    // sub 3, qs[36] hi 11:      0.5*4*11 - 0.25*8  = 22 - 2
    #expect(x[150] == 94.75) // sub 4, qs[86] lo 6:       0.5*33*6 - 0.25*17 = 99 - 4.25
    #expect(x[180] == 215)   // sub 5, qs[84] hi 11:      0.5*40*11 - 0.25*20 = 220 - 5
    #expect(x[200] == 188.75) // sub 6, qs[104] lo 8:     0.5*50*8 - 0.25*45 = 200 - 11.25
    #expect(x[230] == 268.5) // sub 7, qs[102] hi 9:      0.5*63*9 - 0.25*60 = 283.5 - 15
    #expect(x[255] == -15)   // sub 7, qs[127] hi 0:      0 - 0.25*60
}

@Test func q6_K() throws {
    // ql[i] = i (low nibble i % 16, high nibble i / 16); qh[i] = 0xE4 (bit pairs 0,1,2,3 from
    // the bottom) for even i and 0x1B (bit pairs 3,2,1,0) for odd i;
    // scales = [1, -2, 3, -4, ..., 15, -16] (int8, element e uses scales[e / 16]); d = 0.5 (stored last).
    let ql = (0..<128).map { (i: Int) -> UInt8 in UInt8(i) }
    let qh = (0..<64).map { (i: Int) -> UInt8 in i % 2 == 0 ? 0xE4 : 0x1B }
    let sc = (0..<16).map { (i: Int) -> UInt8 in UInt8(bitPattern: Int8(i % 2 == 0 ? i + 1 : -(i + 1))) }
    let bytes = ql + qh + sc + halfBytes(0.5)
    #expect(bytes.count == 210)
    let x = try dequantized(bytes, .q6_K, count: 256)
    #expect(x[0] == -16)    // ql[0] lo 0 | qh[0] bits0-1 = 0 → 0 - 32 = -32; 0.5 * sc[0]=1 * -32
    #expect(x[1] == 8.5)    // ql[1] lo 1 | qh[1]=0x1B bits0-1 = 3 → 1 + 48 - 32 = 17; 0.5 * 1 * 17
    #expect(x[40] == -12)   // x[32+8]: ql[40] lo 8 | qh[8] bits2-3 = 1 → 8 + 16 - 32 = -8; 0.5 * sc[2]=3 * -8
    #expect(x[81] == 45)    // x[64+17]: ql[17] hi 1 | qh[17] bits4-5 = 1 → 1 + 16 - 32 = -15; 0.5 * sc[5]=-6 * -15
    #expect(x[127] == 116)  // x[96+31]: ql[63] hi 3 | qh[31] bits6-7 = 0 → 3 - 32 = -29; 0.5 * sc[7]=-8 * -29
    #expect(x[170] == -33)  // half 1, x[128+32+10]: ql[64+42=106] lo 10 | qh[32+10] bits2-3 = 1 → 26 - 32 = -6; 0.5 * sc[10]=11 * -6
    #expect(x[200] == 26)   // half 1, x[128+64+8]: ql[72] hi 4 | qh[40] bits4-5 = 2 → 36 - 32 = 4; 0.5 * sc[12]=13 * 4
    #expect(x[255] == 200)  // half 1, x[128+96+31]: ql[127] hi 7 | qh[63] bits6-7 = 0 → -25; 0.5 * sc[15]=-16 * -25
}

@Test func parallelChunksMatchBlockByBlock() throws {
    // Enough Q4_1 blocks to take the parallel path; every block decoded alone must agree.
    var rng = SystemRandomNumberGenerator()
    let blocks = 4099
    let bytes = (0..<(blocks * 20)).map { i -> UInt8 in
        // Keep d and m finite: small positive halves in bytes 0-3 of each block.
        switch i % 20 {
        case 1, 3: return 0x2C  // high byte of a half near 0.06
        default: return UInt8.random(in: 0...255, using: &rng)
        }
    }
    let all = try dequantized(bytes, .q4_1, count: blocks * 32)
    for b in stride(from: 0, to: blocks, by: 97) {
        let one = try dequantized(Array(bytes[(20 * b)..<(20 * b + 20)]), .q4_1, count: 32)
        #expect(Array(all[(32 * b)..<(32 * b + 32)]) == one)
    }
    #expect(all.allSatisfy { $0.isFinite })
}

@Test func dequantizeRejectsBadInput() throws {
    #expect(throws: ModelFileError.unsupportedTensorType(file: "(memory)", tensor: "(unnamed)", type: "Q3_K")) {
        try dequantized([UInt8](repeating: 0, count: 110), .q3_K, count: 256)
    }
    // 31 elements are not a whole Q8_0 block; 33 bytes are one byte short of a block.
    #expect(throws: ModelFileError.self) { try dequantized([UInt8](repeating: 0, count: 34), .q8_0, count: 31) }
    #expect(throws: ModelFileError.self) { try dequantized([UInt8](repeating: 0, count: 33), .q8_0, count: 32) }
}
