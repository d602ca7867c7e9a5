// Starts build/bin/devmongod on a free port for a Node.js test and stops it
// afterwards. With MONGODB_URI set, that server is used instead.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export async function startDevMongod(devmongodPath, extraArgs = []) {
  if (process.env.MONGODB_URI) {
    return { uri: process.env.MONGODB_URI, stop: async () => {} };
  }
  const child = spawn(devmongodPath, ['--port', '0', '--quiet', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('devmongod did not start within 10 s')), 10000);
    child.once('exit', (code) => reject(new Error(`devmongod exited early with ${code}`)));
    lines.on('line', (line) => {
      const m = /^devmongod listening on (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return {
    uri: `mongodb://${address}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
