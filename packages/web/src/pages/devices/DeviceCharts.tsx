import "@mantine/charts/styles.css";
import { BarChart, LineChart } from "@mantine/charts";
import { Card, Group, SegmentedControl, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { get } from "../../api/client.ts";
import type { DeviceVolumes, MeterReading, MeterReadingPage } from "../../api/types.ts";
import { InlineLoader, QueryError } from "../../components/states.tsx";
import { useFormat } from "../../session/session.tsx";

/** The same numbers as a table, for screen readers (a chart alone says nothing to them). */
function ChartTable({
  caption,
  head,
  rows,
}: {
  caption: string;
  head: string[];
  rows: (string | number)[][];
}) {
  return (
    <VisuallyHidden>
      <Table>
        <caption>{caption}</caption>
        <Table.Thead>
          <Table.Tr>
            {head.map((h) => (
              <Table.Th key={h}>{h}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={String(r[0])}>
              {r.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                <Table.Td key={i}>{c}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </VisuallyHidden>
  );
}

/** Monthly page volumes, mono and colour stacked. */
export function VolumeChart({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation("devices");
  const f = useFormat();
  const volumes = useQuery({
    queryKey: ["devices", deviceId, "volumes"],
    queryFn: ({ signal }) => get<DeviceVolumes>(`/devices/${deviceId}/volumes`, { months: 13 }, signal),
  });
  const data = useMemo(
    // The month is a UTC date: shown as such, not shifted into the user's zone.
    () =>
      (volumes.data?.months ?? []).map((v) => ({
        month: f.month(`${v.month}T12:00:00Z`),
        mono: v.mono,
        // Not "color": Mantine reads a data row's `color` as the bar's colour.
        colour: v.color,
      })),
    [volumes.data, f],
  );
  return (
    <Card withBorder padding="lg" h="100%">
      <Title order={2} fz="h4" mb="md">
        {t("volumes.title")}
      </Title>
      {volumes.isPending ? (
        <InlineLoader />
      ) : volumes.isError ? (
        <QueryError error={volumes.error} onRetry={() => void volumes.refetch()} />
      ) : data.every((d) => d.mono === 0 && d.colour === 0) ? (
        <Text size="sm" c="dimmed">
          {t("volumes.none")}
        </Text>
      ) : (
        <>
          <div aria-hidden="true">
            <BarChart
              h={260}
              data={data}
              dataKey="month"
              type="stacked"
              withLegend
              legendProps={{ verticalAlign: "bottom", height: 40 }}
              valueFormatter={(v) => f.number(v)}
              series={[
                { name: "mono", label: t("volumes.mono"), color: "dark.4" },
                { name: "colour", label: t("volumes.color"), color: "brand.5" },
              ]}
            />
          </div>
          <ChartTable
            caption={t("volumes.title")}
            head={[t("volumes.month"), t("volumes.mono"), t("volumes.color")]}
            rows={data.map((d) => [d.month, f.number(d.mono), f.number(d.colour)])}
          />
        </>
      )}
    </Card>
  );
}

type Range = "7" | "30" | "90";

/** One point a day (the day's last reading): enough for a trend, light for the chart. */
export function dailyPoints(readings: MeterReading[]): MeterReading[] {
  const byDay = new Map<string, MeterReading>();
  for (const r of readings) {
    const day = r.readAt.slice(0, 10);
    const seen = byDay.get(day);
    if (!seen || seen.readAt < r.readAt) byDay.set(day, r);
  }
  return [...byDay.values()].sort((a, b) => a.readAt.localeCompare(b.readAt));
}

const pageLimit = 1000;
const maxPages = 6;

/**
 * Readings from `from` until now, newest first, page by page. A device read every 20 minutes has
 * some 2,000 readings a month: past a few thousand the oldest are left out (and said so).
 */
async function readingsSince(
  deviceId: string,
  from: string,
  signal: AbortSignal,
): Promise<{ items: MeterReading[]; truncated: boolean }> {
  const items: MeterReading[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await get<MeterReadingPage>(
      `/devices/${deviceId}/readings`,
      { from, limit: pageLimit, cursor },
      signal,
    );
    items.push(...result.items);
    if (!result.nextCursor) return { items, truncated: false };
    cursor = result.nextCursor;
  }
  return { items, truncated: true };
}

/** The raw meter as read over time (total, mono, colour), with suspicious readings in the table. */
export function MeterChart({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation("devices");
  const f = useFormat();
  const [range, setRange] = useState<Range>("30");
  const from = useMemo(() => new Date(Date.now() - Number(range) * 86_400_000).toISOString(), [range]);
  const readings = useQuery({
    queryKey: ["devices", deviceId, "readings", range],
    queryFn: ({ signal }) => readingsSince(deviceId, from, signal),
  });
  const points = useMemo(() => dailyPoints(readings.data?.items ?? []), [readings.data]);
  const data = points.map((r) => ({
    at: f.date(r.readAt),
    total: r.counters.total ?? null,
    mono: r.counters.mono ?? null,
    colour: r.counters.color ?? null,
  }));
  const hasColor = data.some((d) => d.colour !== null && d.colour > 0);
  const series = [
    { name: "total", label: t("counters.name.total"), color: "brand.6" },
    ...(data.some((d) => d.mono !== null)
      ? [{ name: "mono", label: t("counters.name.mono"), color: "dark.4" }]
      : []),
    ...(hasColor ? [{ name: "colour", label: t("counters.name.color"), color: "pink.6" }] : []),
  ];
  const anomalies = (readings.data?.items ?? []).filter((r) => r.anomaly);
  return (
    <Card withBorder padding="lg" h="100%">
      <Group justify="space-between" mb="md">
        <Title order={2} fz="h4">
          {t("meter.title")}
        </Title>
        <SegmentedControl
          size="xs"
          value={range}
          onChange={(v) => setRange(v as Range)}
          aria-label={t("meter.range")}
          data={[
            { value: "7", label: t("meter.days", { count: 7 }) },
            { value: "30", label: t("meter.days", { count: 30 }) },
            { value: "90", label: t("meter.days", { count: 90 }) },
          ]}
        />
      </Group>
      {readings.isPending ? (
        <InlineLoader />
      ) : readings.isError ? (
        <QueryError error={readings.error} onRetry={() => void readings.refetch()} />
      ) : data.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("meter.none")}
        </Text>
      ) : (
        <>
          <div aria-hidden="true">
            <LineChart
              h={260}
              data={data}
              dataKey="at"
              series={series}
              curveType="linear"
              withDots={data.length < 40}
              connectNulls
              withLegend
              legendProps={{ verticalAlign: "bottom", height: 40 }}
              valueFormatter={(v) => f.number(v)}
              yAxisProps={{ domain: ["auto", "auto"], width: 80 }}
            />
          </div>
          <ChartTable
            caption={t("meter.title")}
            head={[t("meter.date"), ...series.map((s) => s.label)]}
            rows={data.map((d) => [d.at, ...series.map((s) => f.number(d[s.name as "total"]))])}
          />
          {readings.data?.truncated && (
            <Text size="xs" c="dimmed" mt="xs">
              {t("meter.truncated", { from: f.date(readings.data.items.at(-1)?.readAt) })}
            </Text>
          )}
          {anomalies.length > 0 && (
            <Text size="xs" c="orange.9" mt="xs">
              {t("meter.anomalies", { count: anomalies.length })}
            </Text>
          )}
        </>
      )}
    </Card>
  );
}
