import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../output.js';
import { exportCommand } from './export.js';
import { gcCommand } from './gc.js';
import { imagesCommand } from './images.js';
import { importCommand } from './import.js';
import { platformsCommand } from './platforms.js';
import { unpackCommand } from './unpack.js';
import { versionCommand } from './version.js';

export const commands = [
  importCommand,
  exportCommand,
  unpackCommand,
  imagesCommand,
  platformsCommand,
  gcCommand,
  versionCommand,
] as unknown as CommandModule<GlobalOptions, GlobalOptions>[];
