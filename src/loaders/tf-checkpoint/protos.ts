// The TensorFlow protocol buffers a checkpoint holds, as schema text compiled once by protobufjs
// (no .proto file is read at run time). Field numbers follow tensorflow/core/protobuf/
// tensor_bundle.proto, saved_tensor_slice.proto, trackable_object_graph.proto and
// tensorflow/core/framework/{tensor,tensor_shape,tensor_slice,types,versions}.proto.
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package tf;
message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message TensorSliceProto {
  message Extent { int64 start = 1; oneof has_length { int64 length = 2; } }
  repeated Extent extent = 1;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
  repeated uint32 uint32_val = 16 [packed = true];
  repeated uint64 uint64_val = 17 [packed = true];
}
message BundleHeaderProto {
  int32 num_shards = 1;
  enum Endianness { LITTLE = 0; BIG = 1; }
  Endianness endianness = 2;
  VersionDef version = 3;
}
message BundleEntryProto {
  int32 dtype = 1;
  TensorShapeProto shape = 2;
  int32 shard_id = 3;
  int64 offset = 4;
  int64 size = 5;
  fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}
message SavedSliceMeta { string name = 1; TensorShapeProto shape = 2; int32 type = 3; repeated TensorSliceProto slice = 4; }
message SavedTensorSliceMeta { repeated SavedSliceMeta tensor = 1; VersionDef versions = 2; }
message SavedSlice { string name = 1; TensorSliceProto slice = 2; TensorProto data = 3; }
message SavedTensorSlices { SavedTensorSliceMeta meta = 1; SavedSlice data = 2; }
message TrackableObjectGraph {
  message TrackableObject {
    message ObjectReference { int32 node_id = 1; string local_name = 2; }
    message SerializedTensor { string name = 1; string full_name = 2; string checkpoint_key = 3; }
    message SlotVariableReference { int32 original_variable_node_id = 1; string slot_name = 2; int32 slot_variable_node_id = 3; }
    repeated ObjectReference children = 1;
    repeated SerializedTensor attributes = 2;
    repeated SlotVariableReference slot_variables = 3;
  }
  repeated TrackableObject nodes = 1;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const type = (name: string) => root.lookupType(`tf.${name}`);
export const BundleHeaderProto = type('BundleHeaderProto');
export const BundleEntryProto = type('BundleEntryProto');
export const SavedTensorSlices = type('SavedTensorSlices');
export const TrackableObjectGraph = type('TrackableObjectGraph');

/** Decodes `bytes` as `t` into a plain object (int64 as numbers, enums as numbers, defaults filled). */
export function decode<T>(t: protobuf.Type, bytes: Uint8Array, what: string): T {
  try {
    return t.toObject(t.decode(bytes), { longs: Number, defaults: true, arrays: true, bytes: Uint8Array }) as T;
  } catch (e) {
    throw new Error(`${what}: cannot decode ${t.name} (${(e as Error).message}); the file is corrupt`);
  }
}

export interface ShapeProto {
  dim: { size: number; name: string }[];
  unknown_rank: boolean;
}
export interface SliceProto {
  extent: { start: number; length?: number }[];
}
export interface TensorProtoObj {
  dtype: number;
  tensor_shape?: ShapeProto;
  tensor_content: Uint8Array;
  half_val: number[];
  float_val: number[];
  double_val: number[];
  int_val: number[];
  int64_val: number[];
  bool_val: boolean[];
  uint32_val: number[];
  uint64_val: number[];
}

/** TensorFlow DataType enum values -> names (types.proto). */
export const DTYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8', 5: 'int16', 6: 'int8', 7: 'string', 8: 'complex64',
  9: 'int64', 10: 'bool', 11: 'qint8', 12: 'quint8', 13: 'qint32', 14: 'bfloat16', 15: 'qint16',
  16: 'quint16', 17: 'uint16', 18: 'complex128', 19: 'float16', 20: 'resource', 21: 'variant',
  22: 'uint32', 23: 'uint64',
};
export const dtypeName = (d: number): string => DTYPE_NAMES[d] ?? `dtype ${d}`;
