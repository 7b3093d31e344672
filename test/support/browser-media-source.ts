import { launchBrowser } from './browser.js';
import type { WebRtcMedia } from './fake-mediamtx/index.js';

/**
 * MediaMTX's media plane for the fake's WHEP endpoint: a Chromium of its own answers each offer
 * with a real peer that sends a drawn video (a canvas, 320×180, 25 frames a second), so a player
 * gets real media over real ICE and DTLS. Like MediaMTX it gathers its candidates before it
 * answers, and they are plain addresses: the flag turns off Chromium's mDNS names, which a
 * player could not resolve here. Its answer says when its peer connects (or fails), which is when
 * MediaMTX runs the reader's runOnRead.
 */
export interface BrowserMediaSource {
  media: WebRtcMedia;
  /** Answers with a DTLS fingerprint that is not the peer's: ICE connects, then DTLS fails. */
  breakDtls: boolean;
  close: () => Promise<void>;
}

// Runs in the source's page (the test's tsconfig has no DOM types, so it is given as text).
const PAGE_SCRIPT = `
window.peers = [];
window.peerConnected = (index) => new Promise((resolve, reject) => {
  const peer = window.peers[index];
  const check = () => {
    if (peer.connectionState === 'connected') resolve();
    else if (peer.connectionState === 'failed' || peer.connectionState === 'closed') reject(new Error(peer.connectionState));
  };
  peer.addEventListener('connectionstatechange', check);
  check();
});
window.answerOffer = async (offer) => {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 180;
  const draw = canvas.getContext('2d');
  let frame = 0;
  setInterval(() => {
    draw.fillStyle = 'hsl(' + ((frame * 3) % 360) + ' 55% 35%)';
    draw.fillRect(0, 0, 320, 180);
    draw.fillStyle = '#fff';
    draw.font = '24px sans-serif';
    draw.fillText('test camera, frame ' + frame++, 16, 98);
  }, 40);
  const stream = canvas.captureStream(25);
  const peer = new RTCPeerConnection();
  window.peers.push(peer);
  await peer.setRemoteDescription({ type: 'offer', sdp: offer });
  peer.addTrack(stream.getVideoTracks()[0], stream);
  await peer.setLocalDescription(await peer.createAnswer());
  await new Promise((resolve) => {
    if (peer.iceGatheringState === 'complete') return resolve();
    setTimeout(resolve, 5000);
    peer.addEventListener('icegatheringstatechange', () => peer.iceGatheringState === 'complete' && resolve());
  });
  return { sdp: peer.localDescription.sdp, index: window.peers.length - 1 };
};`;

interface SourcePage {
  answerOffer: (sdp: string) => Promise<{ sdp: string; index: number }>;
  peerConnected: (index: number) => Promise<void>;
}

export async function startBrowserMediaSource(): Promise<BrowserMediaSource> {
  const browser = await launchBrowser(['--disable-features=WebRtcHideLocalIpsWithMdns']);
  const page = await browser.newPage();
  await page.evaluate(PAGE_SCRIPT);
  const source: BrowserMediaSource = {
    breakDtls: false,
    media: {
      answer: async (offer) => {
        const { sdp, index } = await page.evaluate((sdp) => (globalThis as unknown as SourcePage).answerOffer(sdp), offer);
        const connected = page.evaluate((index) => (globalThis as unknown as SourcePage).peerConnected(index), index);
        if (!source.breakDtls) return { sdp, connected };
        return { sdp: sdp.replace(/^a=fingerprint:sha-256 (.+)$/gm, (_line, print: string) => `a=fingerprint:sha-256 ${print.split(':').reverse().join(':')}`), connected };
      },
    },
    close: () => browser.close(),
  };
  return source;
}
