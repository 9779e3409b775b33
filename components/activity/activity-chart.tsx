import { getFormatter, getTranslations } from 'next-intl/server';
import { Card } from '@/components/ui/card';
import type { Activity } from '@/lib/grants/activity';

const W = 720;
const H = 140;
const PAD = { left: 32, right: 8, top: 8, bottom: 22 };
const PALETTE = ['#0f766e', '#2563eb', '#d97706', '#9333ea', '#dc2626', '#4b5563', '#0891b2', '#65a30d'];

const innerW = W - PAD.left - PAD.right;
const innerH = H - PAD.top - PAD.bottom;

function niceMax(values: number[]): number {
  return Math.max(1, ...values);
}

/** Day boundaries (00:00 UTC) inside the window, with their x position. */
function dayTicks(hours: string[]) {
  const step = innerW / hours.length;
  return hours.flatMap((h, i) => (h.endsWith('T00:00:00.000Z') ? [{ x: PAD.left + i * step, at: h }] : []));
}

/**
 * The admin dashboard's activity: grants opened per hour (bars) and active grants per router per
 * hour (lines), last 7 days, drawn as SVG on the server (no chart library, no client script).
 * A per-day table carries the same figures for screen readers and for copying.
 */
export async function ActivityChart({ activity }: { activity: Activity }) {
  const t = await getTranslations('activity');
  const format = await getFormatter();
  const n = activity.hours.length;
  const step = innerW / n;
  const openedMax = niceMax(activity.opened);
  const activeMax = niceMax(activity.routers.flatMap((r) => r.active));
  const ticks = dayTicks(activity.hours);
  const day = (iso: string) =>
    format.dateTime(new Date(iso), { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const total = activity.opened.reduce((s, v) => s + v, 0);

  const days: { at: string; opened: number; peaks: number[] }[] = [];
  activity.hours.forEach((h, i) => {
    const key = h.slice(0, 10);
    let row = days.at(-1);
    if (!row || row.at !== key) {
      row = { at: key, opened: 0, peaks: activity.routers.map(() => 0) };
      days.push(row);
    }
    row.opened += activity.opened[i] ?? 0;
    activity.routers.forEach((r, j) => {
      row.peaks[j] = Math.max(row.peaks[j] ?? 0, r.active[i] ?? 0);
    });
  });

  const axis = (max: number) => (
    <>
      <line
        x1={PAD.left}
        x2={W - PAD.right}
        y1={H - PAD.bottom}
        y2={H - PAD.bottom}
        stroke="currentColor"
        opacity={0.3}
      />
      <text x={PAD.left - 4} y={PAD.top + 8} fontSize={10} textAnchor="end" fill="currentColor">
        {max}
      </text>
      <text x={PAD.left - 4} y={H - PAD.bottom} fontSize={10} textAnchor="end" fill="currentColor">
        0
      </text>
      {ticks.map((tick) => (
        <g key={tick.at}>
          <line
            x1={tick.x}
            x2={tick.x}
            y1={PAD.top}
            y2={H - PAD.bottom}
            stroke="currentColor"
            opacity={0.1}
          />
          {/* A day starting too close to the right edge has no room for its label. */}
          {tick.x < W - PAD.right - 40 && (
            <text x={tick.x + 2} y={H - 6} fontSize={10} fill="currentColor">
              {day(tick.at)}
            </text>
          )}
        </g>
      ))}
    </>
  );

  return (
    <Card className="space-y-6" data-testid="activity">
      <h2 className="text-base font-semibold">{t('title')}</h2>
      <figure>
        <figcaption className="mb-2 text-sm font-medium">{t('opened')}</figcaption>
        <svg
          viewBox={`0 0 ${W} ${H}`}
          className="h-auto w-full text-zinc-600 dark:text-zinc-400"
          role="img"
          aria-label={t('chartOpened', { total, max: openedMax })}
          data-testid="activity-opened"
        >
          {axis(openedMax)}
          {activity.opened.map((v, i) =>
            v > 0 ? (
              <rect
                key={activity.hours[i]}
                x={PAD.left + i * step + 0.5}
                width={Math.max(1, step - 1)}
                y={PAD.top + innerH - (v / openedMax) * innerH}
                height={(v / openedMax) * innerH}
                className="fill-brand-600"
                data-hour={activity.hours[i]}
                data-count={v}
              >
                <title>{`${activity.hours[i]!.slice(0, 13).replace('T', ' ')}:00 UTC — ${v}`}</title>
              </rect>
            ) : null,
          )}
        </svg>
      </figure>
      <figure>
        <figcaption className="mb-2 text-sm font-medium">{t('active')}</figcaption>
        {activity.routers.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('noRouters')}</p>
        ) : (
          <>
            <svg
              viewBox={`0 0 ${W} ${H}`}
              className="h-auto w-full text-zinc-600 dark:text-zinc-400"
              role="img"
              aria-label={t('chartActive')}
              data-testid="activity-active"
            >
              {axis(activeMax)}
              {activity.routers.map((r, j) => (
                <polyline
                  key={r.id}
                  fill="none"
                  stroke={PALETTE[j % PALETTE.length]}
                  strokeWidth={1.5}
                  points={r.active
                    .map(
                      (v, i) =>
                        `${(PAD.left + (i + 0.5) * step).toFixed(1)},${(PAD.top + innerH - (v / activeMax) * innerH).toFixed(1)}`,
                    )
                    .join(' ')}
                  data-router={r.name}
                />
              ))}
            </svg>
            <ul className="mt-2 flex flex-wrap gap-x-6 gap-y-1 text-sm">
              {activity.routers.map((r, j) => (
                <li
                  key={r.id}
                  className="flex items-center gap-2"
                  data-testid="activity-router"
                  data-router={r.name}
                >
                  {/* An SVG swatch, not a style attribute: the content security policy allows no inline styles. */}
                  <svg width="12" height="12" aria-hidden="true">
                    <rect width="12" height="12" rx="2" fill={PALETTE[j % PALETTE.length]} />
                  </svg>
                  {r.name}{' '}
                  <span className="text-zinc-600 dark:text-zinc-400">({t('now', { count: r.current })})</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </figure>
      <details className="text-sm">
        <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">{t('tableSummary')}</summary>
        <table className="mt-2 text-left">
          <thead className="text-xs text-zinc-600 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-4 font-medium">{t('day')}</th>
              <th className="py-1 pr-4 font-medium">{t('openedColumn')}</th>
              {activity.routers.map((r) => (
                <th key={r.id} className="py-1 pr-4 font-medium">
                  {t('peakColumn', { router: r.name })}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.at}>
                <td className="py-1 pr-4">{d.at}</td>
                <td className="py-1 pr-4 tabular-nums">{d.opened}</td>
                {d.peaks.map((p, j) => (
                  <td key={activity.routers[j]!.id} className="py-1 pr-4 tabular-nums">
                    {p}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </Card>
  );
}
