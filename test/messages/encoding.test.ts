import assert from "node:assert/strict";
import { it } from "node:test";
import { characterCount, segmentInfo } from "../../src/messages/encoding.js";

it("GSM-7: 160 septets in one part, 153 per part after that", () => {
  assert.deepEqual(segmentInfo("a".repeat(160)), { encoding: "GSM-7", segments: 1, units: 160 });
  assert.deepEqual(segmentInfo("a".repeat(161)), { encoding: "GSM-7", segments: 2, units: 161 });
  assert.equal(segmentInfo("a".repeat(306)).segments, 2);
  assert.equal(segmentInfo("a".repeat(307)).segments, 3);
});

it("GSM-7 extension characters cost two septets and are never split across parts", () => {
  assert.equal(segmentInfo("{".repeat(80)).segments, 1);
  assert.equal(segmentInfo("{".repeat(81)).segments, 2);
  // 152 plain + one escape pair: the pair moves to part two rather than being split.
  assert.equal(segmentInfo(`${"a".repeat(152)}€${"a".repeat(10)}`).segments, 2);
  assert.equal(segmentInfo("Über: GSM has ÄÖÑÜäöñüàèéùìò").encoding, "GSM-7");
});

it("UCS-2: 70 code units in one part, 67 per part, emoji never split", () => {
  assert.deepEqual(segmentInfo("ж".repeat(70)), { encoding: "UCS-2", segments: 1, units: 70 });
  assert.equal(segmentInfo("ж".repeat(71)).segments, 2);
  assert.equal(segmentInfo("ж".repeat(134)).segments, 2);
  assert.equal(segmentInfo("ж".repeat(135)).segments, 3);
  // 66 units then an emoji (2 units): it cannot fit in part one.
  assert.equal(segmentInfo(`${"ж".repeat(66)}😀${"ж".repeat(5)}`).segments, 2);
  assert.equal(characterCount("😀😀"), 2);
});
