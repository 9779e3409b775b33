/**
 * When whoever reads our output goes away (a closed pipe), writing logs fails with EPIPE. Without
 * a listener that error is "uncaught"; Next's handler logs it, which fails again, and the process
 * spins at full CPU. Output to a closed pipe is dropped instead.
 */
export function ignoreBrokenPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
