// TF2 object-based checkpoints: the `_CHECKPOINTABLE_OBJECT_GRAPH` string tensor holds a
// TrackableObjectGraph. Each node lists its children by local name and its saved attributes
// (checkpoint key, and the variable's own name as `full_name`, e.g. "dense_1/kernel"). Walking
// from the root gives each checkpoint key a readable object path.
import { TrackableObjectGraph, decode } from './protos.ts';

export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

export interface ObjectAttribute {
  /** Path of the owning object from the root, e.g. "layer_with_weights-0" or "model/layer-1". */
  path: string;
  /** Attribute name, usually VARIABLE_VALUE. */
  attribute: string;
  /** The variable's name when it was created (e.g. "dense/kernel"), or "" if not recorded. */
  fullName: string;
}

interface GraphObj {
  nodes: {
    children: { node_id: number; local_name: string }[];
    attributes: { name: string; full_name: string; checkpoint_key: string }[];
  }[];
}

/** checkpoint key -> where it sits in the object graph. */
export function parseObjectGraph(bytes: Uint8Array, what = 'object graph'): Map<string, ObjectAttribute> {
  const g = decode<GraphObj>(TrackableObjectGraph, bytes, what);
  const paths = new Map<number, string>([[0, '']]);
  const queue = [0];
  while (queue.length) {
    const id = queue.shift()!;
    const node = g.nodes[id];
    if (!node) throw new Error(`${what}: reference to node ${id} of ${g.nodes.length}`);
    for (const c of node.children) {
      if (paths.has(c.node_id)) continue;
      const p = paths.get(id)!;
      paths.set(c.node_id, p ? `${p}/${c.local_name}` : c.local_name);
      queue.push(c.node_id);
    }
  }
  const out = new Map<string, ObjectAttribute>();
  g.nodes.forEach((node, id) => {
    for (const a of node.attributes) {
      // Slot variables hang off the optimizer, not the tree: their key is their path.
      const path = paths.get(id) ?? a.checkpoint_key.replace(/\/\.ATTRIBUTES\/.*$/, '');
      out.set(a.checkpoint_key, { path, attribute: a.name, fullName: a.full_name });
    }
  });
  return out;
}
