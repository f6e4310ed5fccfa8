// web-test-runner config for an integrator's project (copy it next to your package.json).
// `realtimeVoicePlugin()` starts the local Realtime server for the run and serves a token
// endpoint; Chromium gets a fake microphone and may play audio without a user gesture.
import { chromeLauncher } from '@web/test-runner-chrome';
import { realtimeVoicePlugin } from 'realtime-voice/testing';

export default {
  files: 'test/**/*.test.js',
  nodeResolve: true,
  // One test file at a time: the local server, its scenario and resetServer() are shared.
  concurrency: 1,
  plugins: [
    realtimeVoicePlugin({
      // Optional: what the local agent says (omit it for the built-in support agent).
      scenario: { greeting: 'Hi! How can I help?' },
      // Optional: the session your real backend pins with createTokenHandler({ session }).
      session: { instructions: 'You are the support agent of our shop.' },
    }),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
      },
    }),
  ],
};
