'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Polls a JSON endpoint one request at a time: the next read starts `intervalMs` after the last
 * one answered, so a slow endpoint (a router read can take seconds) never has reads piling up.
 * Answers are applied in the order the reads started; one that started before a newer answer was
 * applied, or before `invalidate()`, is dropped — a slow read must not bring back a state the
 * person has just changed (an ended grant shown as open again). On 401 the session has ended:
 * polling stops and `sessionEnded` turns true.
 */
export function usePolling<T>(url: string, intervalMs: number, onData: (data: T) => void) {
  const onDataRef = useRef(onData);
  const interval = useRef(intervalMs);
  const staleBefore = useRef(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  const stopped = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [sessionEnded, setSessionEnded] = useState(false);

  useEffect(() => {
    onDataRef.current = onData;
  }, [onData]);

  const run = useCallback(async (): Promise<void> => {
    if (stopped.current) return;
    if (inFlight.current) {
      again.current = true;
      return;
    }
    clearTimeout(timer.current);
    inFlight.current = true;
    const startedAt = performance.now();
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (res.status === 401) {
        stopped.current = true;
        setSessionEnded(true);
        return;
      }
      if (res.ok) {
        const data = (await res.json()) as T;
        if (!stopped.current && startedAt >= staleBefore.current) {
          staleBefore.current = startedAt;
          onDataRef.current(data);
        }
      }
    } catch {
      // Offline for a moment: the next read tries again.
    } finally {
      inFlight.current = false;
      if (!stopped.current) {
        if (again.current) {
          again.current = false;
          void run();
        } else {
          timer.current = setTimeout(run, interval.current);
        }
      }
    }
  }, [url]);

  useEffect(() => {
    stopped.current = false;
    timer.current = setTimeout(run, interval.current);
    return () => {
      stopped.current = true;
      clearTimeout(timer.current);
    };
  }, [run]);

  useEffect(() => {
    const previous = interval.current;
    interval.current = intervalMs;
    // Something now needs watching more closely: do not wait out the old, longer interval.
    if (intervalMs < previous && !inFlight.current && !stopped.current) {
      clearTimeout(timer.current);
      timer.current = setTimeout(run, intervalMs);
    }
  }, [intervalMs, run]);

  /** Answers to reads started before now are dropped (call when an action's answer is applied). */
  const invalidate = useCallback(() => {
    staleBefore.current = performance.now();
  }, []);
  /** Reads now (or right after the read in flight). */
  const refresh = useCallback(() => {
    void run();
  }, [run]);

  return { sessionEnded, invalidate, refresh };
}
