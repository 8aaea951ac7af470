// A DER tree for building malformed inputs: parse, edit a node, re-encode with correct lengths all
// the way up. Used by the structure-aware fuzz test and by hand-made "one field broken" certificates.
import { concatBytes } from "../../src/util/bytes";
import { readTlv, tlv } from "../../src/asn1/der";

export interface DerNode {
  tag: number;
  /** Children of a constructed node that parsed as a sequence of TLVs; otherwise `value` holds the content. */
  children?: DerNode[];
  value?: Uint8Array;
}

function parseTree(bytes: Uint8Array): DerNode {
  const t = readTlv(bytes, 0);
  return node(bytes.subarray(0, t.end));
}

function node(bytes: Uint8Array): DerNode {
  const t = readTlv(bytes, 0);
  const body = bytes.subarray(t.contentStart, t.end);
  if (t.tag & 0x20) {
    try {
      const children: DerNode[] = [];
      for (let at = 0; at < body.length; ) {
        const c = readTlv(body, at);
        children.push(node(body.subarray(at, c.end)));
        at = c.end;
      }
      return { tag: t.tag, children };
    } catch {
      // Not a TLV sequence after all: keep the bytes.
    }
  }
  return { tag: t.tag, value: body.slice() };
}

function encodeTree(n: DerNode): Uint8Array {
  return n.children ? tlv(n.tag, ...n.children.map(encodeTree)) : tlv(n.tag, n.value ?? new Uint8Array(0));
}

/** The node at a path of child indices (the root for []). Throws on a path that does not exist. */
function at(root: DerNode, path: number[]): DerNode {
  let n = root;
  for (const i of path) {
    const next = n.children?.[i];
    if (!next) throw new Error(`no node at ${path.join(".")}`);
    n = next;
  }
  return n;
}

/** A copy of `der` with `edit` applied to the node at `path` (lengths re-encoded up to the root). */
export function edited(der: Uint8Array, path: number[], edit: (n: DerNode, parent: DerNode | undefined, index: number) => void): Uint8Array {
  const root = parseTree(der);
  const parent = path.length ? at(root, path.slice(0, -1)) : undefined;
  edit(at(root, path), parent, path[path.length - 1] ?? -1);
  return encodeTree(root);
}

/** Every node with its path, depth first. */
function allPaths(root: DerNode, prefix: number[] = []): number[][] {
  const out = [prefix];
  for (const [i, c] of (root.children ?? []).entries()) out.push(...allPaths(c, [...prefix, i]));
  return out;
}

/** Deterministic PRNG (mulberry32), so a failing mutation can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x30, 0x31, 0x80, 0xa0, 0xa1, 0xa3];

/**
 * One structural mutation of `der` at a random node: drop it, empty it, retag it, duplicate it,
 * truncate its value, or swap it with a sibling. Returns the re-encoded bytes.
 */
export function mutateStructure(der: Uint8Array, random: () => number): Uint8Array {
  const root = parseTree(der);
  const paths = allPaths(root);
  const path = paths[Math.floor(random() * paths.length)]!;
  const target = at(root, path);
  const parent = path.length ? at(root, path.slice(0, -1)) : undefined;
  const index = path[path.length - 1] ?? 0;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const op = Math.floor(random() * 6);
  if (op === 0 && parent?.children) parent.children.splice(index, 1);
  else if (op === 1) {
    if (target.children) target.children = [];
    else target.value = new Uint8Array(0);
  } else if (op === 2) {
    const tag = pick(TAGS);
    // A primitive tag on a constructed node keeps the content bytes.
    if (target.children && !(tag & 0x20)) {
      target.value = concatBytes(...target.children.map(encodeTree));
      target.children = undefined;
    }
    target.tag = tag;
  } else if (op === 3 && parent?.children) parent.children.splice(index, 0, structuredClone(target));
  else if (op === 4 && target.value && target.value.length > 0) target.value = target.value.subarray(0, Math.floor(random() * target.value.length));
  else if (op === 5 && parent?.children && parent.children.length > 1) {
    const other = Math.floor(random() * parent.children.length);
    [parent.children[index], parent.children[other]] = [parent.children[other]!, parent.children[index]!];
  } else {
    // Fallback: flip one byte of a primitive value, or empty a constructed one.
    if (target.value && target.value.length > 0) {
      target.value = target.value.slice();
      target.value[Math.floor(random() * target.value.length)]! ^= 1 + Math.floor(random() * 255);
    } else if (target.children) target.children = [];
  }
  return encodeTree(root);
}

/** Random byte mutations (1 to 3 bytes replaced or XOR-ed) of `der`. */
export function mutateBytes(der: Uint8Array, random: () => number): Uint8Array {
  const out = der.slice();
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(random() * out.length);
    out[pos] = random() < 0.5 ? Math.floor(random() * 256) : out[pos]! ^ (1 << Math.floor(random() * 8));
  }
  return out;
}
