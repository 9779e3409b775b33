/** Test data factories for knock profiles (tests only). */
import { type ProfileInput, type ValidProfile, validateProfile } from '../model';

/** The seed's 2022:tcp 9090:udp 4022:tcp sequence protecting SSH, with overrides. */
export function makeProfileInput(overrides: Partial<ProfileInput> = {}): ProfileInput {
  return {
    id: 'ssh',
    name: 'SSH knock',
    steps: [
      { kind: 'tcp', port: 2022 },
      { kind: 'udp', port: 9090 },
      { kind: 'tcp', port: 4022 },
    ],
    stageListPrefix: 'ssh-knock',
    finalList: 'ssh-allowed',
    finalTimeout: '1h',
    service: { kind: 'router', protocol: 'tcp', ports: [22] },
    options: { finalDrop: 'all' },
    scope: { inInterfaceList: 'WAN' },
    notOnlyLayerAcknowledged: true,
    ...overrides,
  };
}

/** A validated profile; throws with the error list when the overrides make it invalid. */
export function makeProfile(overrides: Partial<ProfileInput> = {}): ValidProfile {
  const result = validateProfile(makeProfileInput(overrides));
  if (!result.ok) throw new Error(`invalid test profile: ${JSON.stringify(result.errors)}`);
  return result.profile;
}
