/**
 * `drill <scenario>|all [--json] [--keep]`: the disaster-recovery drills (recovery/drills/),
 * which own their arguments and run their own bots in temporary directories, so the CLI hands
 * them the raw arguments and touches neither the data directory nor its lock.
 */
import type { RecoveryCommand } from '../command.js';

export const drill: RecoveryCommand = {
  name: 'drill',
  summary: 'run a DR drill (or all): inject the scenario, report detection, recovery and data lost',
  usage: 'usage: node recovery/cli.js drill <scenario>|all [--json] [--keep]   (drill --help lists the scenarios)',
  options: {},
  mode: 'online',
  passThrough: async (args, io) => {
    // Loaded on demand: the drills bring the simulator and ccxt, which no other command needs.
    const { runDrillCommand } = await import('../drills/index.js');
    return runDrillCommand(args, io);
  },
  run: () => Promise.reject(new Error('drill runs through passThrough')),
};
