import { useTranslations } from 'next-intl';
import { icmpPacketSize, icmpPatternHex, type Step } from '@/lib/profiles/model';

/** A step in words (translated kind) plus the exact values a client needs. */
export function StepLabel({ step }: { step: Step }) {
  const t = useTranslations('profiles.kinds');
  let detail: string;
  switch (step.kind) {
    case 'tcp':
    case 'udp':
      detail = String(step.port);
      break;
    case 'icmp-size':
      detail = `ping -s ${step.payloadSize} → packet-size ${icmpPacketSize(step.payloadSize)}`;
      break;
    case 'icmp-pattern':
      detail = `ping -p ${icmpPatternHex(step.pattern)} ("${step.pattern}")`;
      break;
    case 'payload':
      detail = `${step.protocol}/${step.port} "${step.content}"`;
      break;
    case 'http-get':
      detail = `GET ${step.path} (${step.port})`;
      break;
  }
  return (
    <span>
      {t(step.kind)} <code className="font-mono">{detail}</code>
    </span>
  );
}

/** The whole sequence on one line: `TCP port 2022 → UDP port 9090 → …`. */
export function SequenceLabel({ steps }: { steps: readonly Step[] }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-x-1">
      {steps.map((step, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a step is identified by its position
        <span key={i}>
          {i > 0 && <span aria-hidden="true">→ </span>}
          <StepLabel step={step} />
        </span>
      ))}
    </span>
  );
}
