import type { MessageSchema } from './protobuf.js';

/**
 * The subset of containerd's API (api/types, api/services/{content,images,leases,diff,snapshots}/v1, stable
 * since 1.0) that ferry uses, field numbers as in the .proto files. Timestamps are left out: ferry never reads them.
 */

export interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
}
export const DescriptorMsg: MessageSchema = {
  mediaType: { no: 1, type: 'string' },
  digest: { no: 2, type: 'string' },
  size: { no: 3, type: 'int64' },
  annotations: { no: 5, type: 'map' },
};

export interface Mount {
  type?: string;
  source?: string;
  target?: string;
  options?: string[];
}
export const MountMsg: MessageSchema = {
  type: { no: 1, type: 'string' },
  source: { no: 2, type: 'string' },
  target: { no: 3, type: 'string' },
  options: { no: 4, type: 'string', repeated: true },
};

export const FieldMaskMsg: MessageSchema = { paths: { no: 1, type: 'string', repeated: true } };
export const EmptyMsg: MessageSchema = {};

// content.v1
export interface ContentInfo {
  digest?: string;
  size?: number;
  labels?: Record<string, string>;
}
export const ContentInfoMsg: MessageSchema = {
  digest: { no: 1, type: 'string' },
  size: { no: 2, type: 'int64' },
  labels: { no: 5, type: 'map' },
};
export const InfoRequestMsg: MessageSchema = { digest: { no: 1, type: 'string' } };
export const InfoResponseMsg: MessageSchema = { info: { no: 1, type: ContentInfoMsg } };
export const UpdateContentRequestMsg: MessageSchema = { info: { no: 1, type: ContentInfoMsg }, updateMask: { no: 2, type: FieldMaskMsg } };
export const ReadContentRequestMsg: MessageSchema = { digest: { no: 1, type: 'string' }, offset: { no: 2, type: 'int64' }, size: { no: 3, type: 'int64' } };
export interface ReadContentResponse {
  offset?: number;
  data?: Buffer;
}
export const ReadContentResponseMsg: MessageSchema = { offset: { no: 1, type: 'int64' }, data: { no: 2, type: 'bytes' } };

export const WriteAction = { stat: 0, write: 1, commit: 2 } as const;
export interface WriteContentRequest {
  action: number;
  ref: string;
  total?: number;
  expected?: string;
  offset?: number;
  data?: Buffer;
  labels?: Record<string, string>;
}
export const WriteContentRequestMsg: MessageSchema = {
  action: { no: 1, type: 'enum' },
  ref: { no: 2, type: 'string' },
  total: { no: 3, type: 'int64' },
  expected: { no: 4, type: 'string' },
  offset: { no: 5, type: 'int64' },
  data: { no: 6, type: 'bytes' },
  labels: { no: 7, type: 'map' },
};
export interface WriteContentResponse {
  action?: number;
  offset?: number;
  total?: number;
  digest?: string;
}
export const WriteContentResponseMsg: MessageSchema = {
  action: { no: 1, type: 'enum' },
  offset: { no: 4, type: 'int64' },
  total: { no: 5, type: 'int64' },
  digest: { no: 6, type: 'string' },
};
export const AbortRequestMsg: MessageSchema = { ref: { no: 1, type: 'string' } };

// images.v1
export interface Image {
  name?: string;
  labels?: Record<string, string>;
  target?: Descriptor;
}
export const ImageMsg: MessageSchema = { name: { no: 1, type: 'string' }, labels: { no: 2, type: 'map' }, target: { no: 3, type: DescriptorMsg } };
export const GetImageRequestMsg: MessageSchema = { name: { no: 1, type: 'string' } };
export const ImageResponseMsg: MessageSchema = { image: { no: 1, type: ImageMsg } };
export const CreateImageRequestMsg: MessageSchema = { image: { no: 1, type: ImageMsg } };
export const UpdateImageRequestMsg: MessageSchema = { image: { no: 1, type: ImageMsg }, updateMask: { no: 2, type: FieldMaskMsg } };

// leases.v1
export const CreateLeaseRequestMsg: MessageSchema = { id: { no: 1, type: 'string' }, labels: { no: 3, type: 'map' } };
export const LeaseMsg: MessageSchema = { id: { no: 1, type: 'string' }, labels: { no: 3, type: 'map' } };
export const CreateLeaseResponseMsg: MessageSchema = { lease: { no: 1, type: LeaseMsg } };
export const DeleteLeaseRequestMsg: MessageSchema = { id: { no: 1, type: 'string' }, sync: { no: 2, type: 'bool' } };

// diff.v1
export const ApplyRequestMsg: MessageSchema = { diff: { no: 1, type: DescriptorMsg }, mounts: { no: 2, type: MountMsg, repeated: true } };
export const ApplyResponseMsg: MessageSchema = { applied: { no: 1, type: DescriptorMsg } };

// snapshots.v1
export const PrepareSnapshotRequestMsg: MessageSchema = {
  snapshotter: { no: 1, type: 'string' },
  key: { no: 2, type: 'string' },
  parent: { no: 3, type: 'string' },
  labels: { no: 4, type: 'map' },
};
export const PrepareSnapshotResponseMsg: MessageSchema = { mounts: { no: 1, type: MountMsg, repeated: true } };
export const CommitSnapshotRequestMsg: MessageSchema = {
  snapshotter: { no: 1, type: 'string' },
  name: { no: 2, type: 'string' },
  key: { no: 3, type: 'string' },
  labels: { no: 4, type: 'map' },
};
export const SnapshotKeyRequestMsg: MessageSchema = { snapshotter: { no: 1, type: 'string' }, key: { no: 2, type: 'string' } };
export const SnapshotInfoMsg: MessageSchema = { name: { no: 1, type: 'string' }, parent: { no: 2, type: 'string' }, kind: { no: 3, type: 'enum' } };
export const StatSnapshotResponseMsg: MessageSchema = { info: { no: 1, type: SnapshotInfoMsg } };
