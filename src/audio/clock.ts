// Mapping an AudioContext's clock onto `performance.now()`, for latency figures.
// `getOutputTimestamp()` pairs the context time of the sample now leaving the speaker with its
// performance time, so it gives *acoustic* times; subtracting the output path latency gives the
// time the render thread processed a sample (when it entered or left a worklet).

/** Seconds between the render thread processing a sample and the speaker playing it. */
export function outputPathLatency(context: BaseAudioContext): number {
  const c = context as Partial<AudioContext>;
  const base = typeof c.baseLatency === 'number' && c.baseLatency > 0 ? c.baseLatency : 0;
  const output = typeof c.outputLatency === 'number' && c.outputLatency > 0 ? c.outputLatency : 0;
  return base + output;
}

/** `performance.now()` time at which context time `t` is (or was) at the speaker. */
export function speakerTimeToPerformance(context: BaseAudioContext, t: number): number {
  const stamp = (context as Partial<AudioContext>).getOutputTimestamp?.call(context);
  if (stamp && typeof stamp.contextTime === 'number' && typeof stamp.performanceTime === 'number' && stamp.performanceTime > 0) {
    return stamp.performanceTime + (t - stamp.contextTime) * 1000;
  }
  return performance.now() + (t - context.currentTime + outputPathLatency(context)) * 1000;
}

/** `performance.now()` time at which the render thread processed context time `t`. */
export function renderTimeToPerformance(context: BaseAudioContext, t: number): number {
  return speakerTimeToPerformance(context, t) - outputPathLatency(context) * 1000;
}
