// The Merkle tree of checkpoints (docs/design.md §4), shaped as RFC 6962's (Certificate
// Transparency): leaf = sha256(0x00 ‖ data), node = sha256(0x01 ‖ left ‖ right), the left subtree
// the largest power of two below n. Built leaf by leaf in O(log n) memory.
import { createHash } from "node:crypto";

/** A checkpoint leaf: one tenant's head as `tenantId \n sequence \n hash`. */
export function checkpointLeafHash(tenantId: string, sequence: number, hash: string): Buffer {
  return createHash("sha256")
    .update(Buffer.from([0]))
    .update(`${tenantId}\n${sequence}\n${hash}`)
    .digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash("sha256")
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** The root of leaves added in order; holds one subtree root per set bit of the count. */
export class MerkleRootBuilder {
  private readonly stack: { hash: Buffer; size: number }[] = [];
  private count = 0;

  add(leaf: Buffer): void {
    let entry = { hash: leaf, size: 1 };
    for (let top = this.stack.at(-1); top && top.size === entry.size; top = this.stack.at(-1)) {
      this.stack.pop();
      entry = { hash: nodeHash(top.hash, entry.hash), size: top.size * 2 };
    }
    this.stack.push(entry);
    this.count += 1;
  }

  get leafCount(): number {
    return this.count;
  }

  /** The root in hex; an empty tree's is sha256 of nothing, as in RFC 6962. */
  root(): string {
    if (this.stack.length === 0) return createHash("sha256").digest("hex");
    let accumulated = (this.stack.at(-1) as { hash: Buffer }).hash;
    for (let index = this.stack.length - 2; index >= 0; index -= 1) {
      accumulated = nodeHash((this.stack[index] as { hash: Buffer }).hash, accumulated);
    }
    return accumulated.toString("hex");
  }
}
