// docs/audit-evidence.md "The Merkle root": RFC 6962's tree (leaf 0x00, node 0x01, the left subtree
// the largest power of two below n), built leaf by leaf; checked against the definition written
// recursively, for every size up to 70, and against a known value.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkpointLeafHash, MerkleRootBuilder } from "../../src/services/audit/merkle.ts";

const sha256 = (...parts: Buffer[]) => parts.reduce((hash, part) => hash.update(part), createHash("sha256")).digest();

/** RFC 6962 §2.1, MTH(D[n]), as written there. */
function definitionRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), definitionRoot(leaves.slice(0, k)), definitionRoot(leaves.slice(k)));
}

const leafOf = (index: number) =>
  checkpointLeafHash(`00000000-0000-4000-8000-${String(index).padStart(12, "0")}`, index + 1, "ab".repeat(32));

describe("MerkleRootBuilder", () => {
  it("gives RFC 6962's root for every size from 0 to 70", () => {
    for (let size = 0; size <= 70; size += 1) {
      const leaves = Array.from({ length: size }, (_, index) => leafOf(index));
      const builder = new MerkleRootBuilder();
      for (const leaf of leaves) builder.add(leaf);
      expect([size, builder.root()]).toEqual([size, definitionRoot(leaves).toString("hex")]);
      expect(builder.leafCount).toBe(size);
    }
  });

  it("hashes a leaf as 0x00 ‖ tenant id \\n sequence \\n hash", () => {
    expect(checkpointLeafHash("t", 7, "h").toString("hex")).toBe(
      sha256(Buffer.from([0]), Buffer.from("t\n7\nh")).toString("hex"),
    );
  });

  it("changes with any leaf, and with their order", () => {
    const root = (leaves: Buffer[]) => {
      const builder = new MerkleRootBuilder();
      for (const leaf of leaves) builder.add(leaf);
      return builder.root();
    };
    const leaves = [0, 1, 2, 3, 4].map(leafOf);
    expect(root([leaves[1], leaves[0], ...leaves.slice(2)] as Buffer[])).not.toBe(root(leaves));
    expect(root([...leaves.slice(0, 4), leafOf(9)])).not.toBe(root(leaves));
  });
});
