import type { MediaMtxServer } from './config.js';

/**
 * The client sessions and connections of MediaMTX's Control API, per kind: which server owns
 * them, the reader type a path shows for them, the 404 text of their get/kick routes, and the
 * list item as `shared/mediamtx/openapi.yaml` (v1.20.1) describes it (`defs/api_*.go`).
 */

export type SessionKind = 'rtspsessions' | 'rtspssessions' | 'webrtcsessions' | 'hlssessions' | 'rtmpconns' | 'rtmpsconns' | 'srtconns' | 'moqsessions';

export const SESSION_KINDS: readonly SessionKind[] = ['rtspsessions', 'rtspssessions', 'webrtcsessions', 'hlssessions', 'rtmpconns', 'rtmpsconns', 'srtconns', 'moqsessions'];

/**
 * The `readers[].type` (and MTX_READER_TYPE) of a session of each kind (`defs/api_path.go`
 * APIPathReaderType; RTSPS and RTMPS sessions say so: `servers/rtsp/session.go`
 * APIReaderDescribe, `servers/rtmp/conn.go:340`). The auth callback's `protocol` does not:
 * it is `rtsp` or `rtmp` for the encrypted variants too (`auth/request.go`).
 */
export const READER_TYPE: Record<SessionKind, string> = {
  rtspsessions: 'rtspSession',
  rtspssessions: 'rtspsSession',
  webrtcsessions: 'webRTCSession',
  hlssessions: 'hlsSession',
  rtmpconns: 'rtmpConn',
  rtmpsconns: 'rtmpsConn',
  srtconns: 'srtConn',
  moqsessions: 'moqSession',
};

/** The server whose routes serve each kind (`api/api.go` Initialize). */
export const SESSION_SERVER: Record<SessionKind, MediaMtxServer> = {
  rtspsessions: 'rtsp',
  rtspssessions: 'rtsps',
  webrtcsessions: 'webrtc',
  hlssessions: 'hls',
  rtmpconns: 'rtmp',
  rtmpsconns: 'rtmps',
  srtconns: 'srt',
  moqsessions: 'moq',
};

export const NOT_FOUND_ERROR: Record<SessionKind, string> = {
  rtspsessions: 'session not found',
  rtspssessions: 'session not found',
  webrtcsessions: 'session not found',
  hlssessions: 'session not found',
  moqsessions: 'session not found',
  rtmpconns: 'connection not found',
  rtmpsconns: 'connection not found',
  srtconns: 'connection not found',
};

export interface FakeSession {
  kind: SessionKind;
  id: string;
  created: string;
  remoteAddr: string;
  state: string;
  path: string;
  query: string;
  user: string;
  userAgent: string;
  inboundBytes: number;
  outboundBytes: number;
}

const zeros = (keys: string[]): Record<string, number> => Object.fromEntries(keys.map((key) => [key, 0]));

const SRT_COUNTERS = [
  'packetsSent', 'packetsReceived', 'packetsSentUnique', 'packetsReceivedUnique', 'packetsSendLoss', 'packetsReceivedLoss',
  'packetsRetrans', 'packetsReceivedRetrans', 'packetsSentACK', 'packetsReceivedACK', 'packetsSentNAK', 'packetsReceivedNAK',
  'packetsSentKM', 'packetsReceivedKM', 'usSndDuration', 'packetsReceivedBelated', 'packetsSendDrop', 'packetsReceivedDrop',
  'packetsReceivedUndecrypt', 'bytesReceived', 'bytesSent', 'bytesSentUnique', 'bytesReceivedUnique', 'bytesReceivedLoss',
  'bytesRetrans', 'bytesReceivedRetrans', 'bytesReceivedBelated', 'bytesSendDrop', 'bytesReceivedDrop', 'bytesReceivedUndecrypt',
  'usPacketsSendPeriod', 'packetsFlowWindow', 'packetsFlightSize', 'msRTT', 'mbpsSendRate', 'mbpsReceiveRate',
  'mbpsLinkCapacity', 'bytesAvailSendBuf', 'bytesAvailReceiveBuf', 'mbpsMaxBW', 'byteMSS', 'packetsSendBuf', 'bytesSendBuf',
  'msSendBuf', 'msSendTsbPdDelay', 'packetsReceiveBuf', 'bytesReceiveBuf', 'msReceiveBuf', 'msReceiveTsbPdDelay',
  'packetsReorderTolerance', 'packetsReceivedAvgBelatedTime', 'packetsSendLossRate', 'packetsReceivedLossRate', 'outboundFramesDiscarded',
];

/** The list/get item of a session, with exactly the fields openapi.yaml gives its kind. */
export function sessionItem(session: FakeSession): Record<string, unknown> {
  const base = { id: session.id, created: session.created, remoteAddr: session.remoteAddr, path: session.path, query: session.query };
  const bytes = { inboundBytes: session.inboundBytes, outboundBytes: session.outboundBytes };
  switch (session.kind) {
    case 'hlssessions':
      return { ...base, user: session.user, userAgent: session.userAgent, isCDN: false, outboundBytes: session.outboundBytes };
    case 'rtspsessions':
    case 'rtspssessions':
      return {
        ...base,
        state: session.state,
        user: session.user,
        userAgent: session.userAgent,
        transport: 'TCP',
        profile: session.kind === 'rtspssessions' ? 'SAVP' : 'AVP',
        conns: [],
        ...bytes,
        ...zeros(['inboundRTPPackets', 'inboundRTPPacketsLost', 'inboundRTPPacketsInError', 'inboundRTPPacketsJitter', 'inboundRTCPPackets', 'inboundRTCPPacketsInError']),
        ...zeros(['outboundRTPPackets', 'outboundRTPPacketsReportedLost', 'outboundRTPPacketsDiscarded', 'outboundRTCPPackets']),
        bytesReceived: session.inboundBytes,
        bytesSent: session.outboundBytes,
        ...zeros(['rtpPacketsReceived', 'rtpPacketsSent', 'rtpPacketsLost', 'rtpPacketsInError', 'rtpPacketsJitter', 'rtcpPacketsReceived', 'rtcpPacketsSent', 'rtcpPacketsInError']),
      };
    case 'rtmpconns':
    case 'rtmpsconns':
      return { ...base, state: session.state, user: session.user, userAgent: session.userAgent, ...bytes, outboundFramesDiscarded: 0, bytesReceived: session.inboundBytes, bytesSent: session.outboundBytes };
    case 'webrtcsessions':
      return {
        ...base,
        peerConnectionEstablished: true,
        localCandidate: 'host/udp/127.0.0.1/8189',
        remoteCandidate: 'host/udp/127.0.0.1/50000',
        state: session.state,
        user: session.user,
        userAgent: session.userAgent,
        ...bytes,
        ...zeros(['inboundRTPPackets', 'inboundRTPPacketsLost', 'inboundRTPPacketsJitter', 'inboundRTCPPackets', 'outboundRTPPackets', 'outboundRTCPPackets', 'outboundFramesDiscarded']),
        bytesReceived: session.inboundBytes,
        bytesSent: session.outboundBytes,
        ...zeros(['rtpPacketsReceived', 'rtpPacketsSent', 'rtpPacketsLost', 'rtpPacketsJitter', 'rtcpPacketsReceived', 'rtcpPacketsSent']),
      };
    case 'srtconns':
      return { ...base, state: session.state, user: session.user, ...zeros(SRT_COUNTERS), bytesReceived: session.inboundBytes, bytesSent: session.outboundBytes };
    case 'moqsessions':
      // No `user` (defs/api_moq.go APIMoQSession).
      return { ...base, state: session.state, userAgent: session.userAgent, transport: 'webtransport', version: 'moqt-16', ...bytes };
  }
}
