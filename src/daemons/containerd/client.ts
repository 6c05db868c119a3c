import { existsSync } from 'node:fs';
import { Client, credentials, Metadata, status, type ClientDuplexStream, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { FerryError } from '../../errors.js';
import { decodeMessage, encodeMessage, type MessageSchema } from './protobuf.js';

export const DEFAULT_CONTAINERD_ADDRESS = '/run/containerd/containerd.sock';
export const DEFAULT_NAMESPACE = 'default';

/** One method of containerd's API: its full gRPC path and its request and response messages. */
export interface Rpc {
  path: string;
  request: MessageSchema;
  response: MessageSchema;
}

/**
 * A connection to containerd's gRPC socket for one namespace. containerd reads the namespace, and the lease
 * that protects content and snapshots from its garbage collector while ferry writes them, from call metadata.
 */
export class ContainerdClient {
  private readonly client: Client;
  lease: string | undefined;

  constructor(
    readonly address: string,
    readonly namespace: string,
  ) {
    if (!existsSync(address)) {
      throw new FerryError('ERR_DAEMON', `no containerd socket at ${address}`, {
        path: address,
        hint: 'start containerd, or name its socket with --address (ferry needs permission to open it; usually root)',
      });
    }
    // Chunks of up to 1 MiB travel in each message; containerd's own limit is 16 MiB.
    this.client = new Client(`unix://${address}`, credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 << 20,
      'grpc.max_send_message_length': 16 << 20,
    });
  }

  unary<Res>(rpc: Rpc, request: object): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        rpc.path,
        (value: object) => encodeMessage(rpc.request, value),
        (bytes: Buffer) => decodeMessage<Res>(rpc.response, bytes),
        request,
        this.metadata(),
        (err: ServiceError | null, value?: Res) => (err ? reject(err) : resolve(value as Res)),
      );
    });
  }

  serverStream<Res>(rpc: Rpc, request: object): ClientReadableStream<Res> {
    return this.client.makeServerStreamRequest(
      rpc.path,
      (value: object) => encodeMessage(rpc.request, value),
      (bytes: Buffer) => decodeMessage<Res>(rpc.response, bytes),
      request,
      this.metadata(),
    );
  }

  bidiStream<Req extends object, Res>(rpc: Rpc): ClientDuplexStream<Req, Res> {
    return this.client.makeBidiStreamRequest(
      rpc.path,
      (value: Req) => encodeMessage(rpc.request, value),
      (bytes: Buffer) => decodeMessage<Res>(rpc.response, bytes),
      this.metadata(),
    );
  }

  close(): void {
    this.client.close();
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set('containerd-namespace', this.namespace);
    if (this.lease) md.set('containerd-lease', this.lease);
    return md;
  }
}

export function isGrpcStatus(err: unknown, code: status): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** A containerd refusal as a FerryError: what ferry was doing, containerd's own words, and what to check. */
export function daemonError(err: unknown, doing: string, details: { digest?: string; path?: string } = {}): FerryError {
  if (err instanceof FerryError) return err;
  const e = err as { code?: number; details?: string; message?: string };
  const unreachable = e.code === status.UNAVAILABLE;
  return new FerryError('ERR_DAEMON', `containerd failed ${doing}: ${e.details || e.message || String(err)}`, {
    ...details,
    hint: unreachable ? 'is containerd running, and is --address its socket?' : 'see containerd\'s log for the cause',
    cause: err,
  });
}
