import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../output.js';
import { convertCommand } from './convert.js';
import { exportCommand } from './export.js';
import { gcCommand } from './gc.js';
import { imagesCommand } from './images.js';
import { importCommand } from './import.js';
import { platformsCommand } from './platforms.js';
import { unpackCommand } from './unpack.js';
import { versionCommand } from './version.js';
import { pullCommand } from './pull.js';
import { pushCommand } from './push.js';
import { copyCommand } from './copy.js';

export const commands = [
  importCommand,
  exportCommand,
  convertCommand,
  unpackCommand,
  imagesCommand,
  platformsCommand,
  gcCommand,
  versionCommand,
  pullCommand,
  pushCommand,
  copyCommand,
] as unknown as CommandModule<GlobalOptions, GlobalOptions>[];
