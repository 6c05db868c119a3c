import type { Rpc } from './client.js';
import * as M from './messages.js';
import type { MessageSchema } from './protobuf.js';

const content = (method: string, request: MessageSchema, response: MessageSchema): Rpc => ({
  path: `/containerd.services.content.v1.Content/${method}`,
  request,
  response,
});

/** The containerd methods ferry calls. */
export const Rpcs = {
  contentInfo: content('Info', M.InfoRequestMsg, M.InfoResponseMsg),
  contentUpdate: content('Update', M.UpdateContentRequestMsg, M.InfoResponseMsg),
  contentRead: content('Read', M.ReadContentRequestMsg, M.ReadContentResponseMsg),
  contentWrite: content('Write', M.WriteContentRequestMsg, M.WriteContentResponseMsg),
  contentAbort: content('Abort', M.AbortRequestMsg, M.EmptyMsg),
  imageGet: { path: '/containerd.services.images.v1.Images/Get', request: M.GetImageRequestMsg, response: M.ImageResponseMsg },
  imageCreate: { path: '/containerd.services.images.v1.Images/Create', request: M.CreateImageRequestMsg, response: M.ImageResponseMsg },
  imageUpdate: { path: '/containerd.services.images.v1.Images/Update', request: M.UpdateImageRequestMsg, response: M.ImageResponseMsg },
  leaseCreate: { path: '/containerd.services.leases.v1.Leases/Create', request: M.CreateLeaseRequestMsg, response: M.CreateLeaseResponseMsg },
  leaseDelete: { path: '/containerd.services.leases.v1.Leases/Delete', request: M.DeleteLeaseRequestMsg, response: M.EmptyMsg },
  diffApply: { path: '/containerd.services.diff.v1.Diff/Apply', request: M.ApplyRequestMsg, response: M.ApplyResponseMsg },
  snapshotPrepare: { path: '/containerd.services.snapshots.v1.Snapshots/Prepare', request: M.PrepareSnapshotRequestMsg, response: M.PrepareSnapshotResponseMsg },
  snapshotCommit: { path: '/containerd.services.snapshots.v1.Snapshots/Commit', request: M.CommitSnapshotRequestMsg, response: M.EmptyMsg },
  snapshotStat: { path: '/containerd.services.snapshots.v1.Snapshots/Stat', request: M.SnapshotKeyRequestMsg, response: M.StatSnapshotResponseMsg },
  snapshotRemove: { path: '/containerd.services.snapshots.v1.Snapshots/Remove', request: M.SnapshotKeyRequestMsg, response: M.EmptyMsg },
} satisfies Record<string, Rpc>;
