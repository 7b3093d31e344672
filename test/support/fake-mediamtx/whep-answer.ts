import { randomBytes } from 'node:crypto';

/**
 * An SDP answer to a WHEP offer that a browser accepts (`setRemoteDescription`): for every media
 * section of the offer, the same mid, one codec the offer lists (H264, else VP8, else the first
 * for video; Opus, else the first for audio), `sendonly`, and ICE and DTLS parameters of its
 * own. It is not pion's answer byte for byte and carries no ICE candidate: the fake moves no
 * media, so the browser's connection stays at `checking` while the negotiation is complete.
 */
export function whepAnswer(offer: string): string {
  const lines = offer.split(/\r?\n/).filter((line) => line !== '');
  const sections: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push([line]);
    else sections.at(-1)?.push(line);
  }
  if (sections.length === 0) throw new Error('the offer has no media section');
  const ufrag = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16);
  const pwd = randomBytes(24).toString('base64url').replace(/[-_]/g, 'x').slice(0, 32);
  const fingerprint = [...randomBytes(32)].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(':');
  const mids = sections.map((section) => attribute(section, 'mid') ?? String(sections.indexOf(section)));
  const answer = [
    'v=0',
    `o=- ${Date.now()} ${Date.now()} IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=group:BUNDLE ${mids.join(' ')}`,
  ];
  sections.forEach((section, index) => {
    const [kind, , proto] = section[0].slice(2).split(' ');
    const codecs = section.filter((line) => line.startsWith('a=rtpmap:')).map((line) => {
      const [pt, name] = line.slice('a=rtpmap:'.length).split(' ');
      return { pt, name };
    });
    const wanted = kind === 'video' ? ['H264', 'VP8'] : ['opus'];
    const chosen = wanted.map((codec) => codecs.find((c) => c.name.toLowerCase().startsWith(`${codec.toLowerCase()}/`))).find(Boolean) ?? codecs[0];
    if (!chosen) {
      answer.push(`m=${kind} 0 ${proto} 0`, 'c=IN IP4 0.0.0.0', `a=mid:${mids[index]}`, 'a=inactive');
      return;
    }
    const fmtp = section.find((line) => line.startsWith(`a=fmtp:${chosen.pt} `));
    answer.push(
      `m=${kind} 9 ${proto} ${chosen.pt}`,
      'c=IN IP4 0.0.0.0',
      'a=setup:active',
      `a=mid:${mids[index]}`,
      `a=ice-ufrag:${ufrag}`,
      `a=ice-pwd:${pwd}`,
      'a=rtcp-mux',
      `a=rtpmap:${chosen.pt} ${chosen.name}`,
      ...(fmtp ? [fmtp] : []),
      'a=sendonly',
      `a=msid:mediamtx ${kind}`,
    );
  });
  return `${answer.join('\r\n')}\r\n`;
}

function attribute(section: string[], name: string): string | undefined {
  return section.find((line) => line.startsWith(`a=${name}:`))?.slice(name.length + 3);
}
