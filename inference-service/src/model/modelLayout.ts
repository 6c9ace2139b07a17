/**
 * How the model's N threads are laid out (N = intraOpThreads). 'latency': one session whose runs use all
 * N threads — a lone image is answered soonest (a single click). 'throughput': N sessions of one thread
 * each, each in its own worker thread, N runs at once — more images per second (a folder, a stream of
 * arrivals), since one thread per run wastes nothing on synchronising a run's threads. Measured here with
 * two threads: 43–55 images/s against 55–59 (see `npm run bench -- core`). 'adaptive': both, chosen per
 * run — an image with nothing else running or waiting goes to the N-thread session, anything else to the
 * one-thread sessions (the model's memory three times over, for a server that takes clicks and arrivals).
 */
export const modelLayouts = ['latency', 'throughput', 'adaptive'] as const;
export type ModelLayout = (typeof modelLayouts)[number];

