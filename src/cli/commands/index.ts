import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../output.js';
import { tracked } from '../usage-context.js';
import { convertCommand } from './convert.js';
import { exportCommand } from './export.js';
import { fsckCommand } from './fsck.js';
import { gcCommand } from './gc.js';
import { imagesCommand } from './images.js';
import { importCommand } from './import.js';
import { platformsCommand } from './platforms.js';
import { unpackCommand } from './unpack.js';
import { versionCommand } from './version.js';
import { pullCommand } from './pull.js';
import { pushCommand } from './push.js';
import { copyCommand } from './copy.js';
import { mergeCommand } from './merge.js';
import { splitCommand } from './split.js';
import { verifyCommand } from './verify.js';
import { inspectCommand } from './inspect.js';
import { inventoryCommand } from './inventory.js';
import { artifactCommand } from './artifact.js';
import { extractCommand } from './extract.js';

/** Every command; each module loads its implementation only when it runs, so start-up stays light. */
export const commands = ([
  importCommand,
  exportCommand,
  convertCommand,
  unpackCommand,
  imagesCommand,
  platformsCommand,
  gcCommand,
  fsckCommand,
  versionCommand,
  pullCommand,
  pushCommand,
  copyCommand,
  mergeCommand,
  splitCommand,
  verifyCommand,
  inspectCommand,
  inventoryCommand,
  artifactCommand,
  extractCommand,
] as unknown as CommandModule<GlobalOptions, GlobalOptions>[]).map(tracked);
