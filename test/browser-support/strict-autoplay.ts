// Chromium lets a page that has been granted the microphone start an AudioContext without a user
// gesture, so once the widget's call has the mic, its `resume()` succeeds and nothing is blocked.
// Safari (and Firefox by default) allow `resume()` only inside a gesture. These browsers cannot
// run here; this emulates their rule on the real Chromium context so the blocked path — the tap
// target, audio waiting, a trusted click resuming it — is exercised for real.

/** Makes `AudioContext.resume()` work only during transient user activation. Returns the restore function. */
export function strictAutoplay(): () => void {
  const resume = AudioContext.prototype.resume;
  AudioContext.prototype.resume = function (this: AudioContext) {
    // Outside a gesture: pending for ever, as in a browser that waits for one.
    return navigator.userActivation.isActive ? resume.call(this) : new Promise<void>(() => {});
  };
  return () => {
    AudioContext.prototype.resume = resume;
  };
}
