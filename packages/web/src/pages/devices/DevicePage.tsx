import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  SimpleGrid,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { get } from "../../api/client.ts";
import type { DeviceDetail } from "../../api/types.ts";
import { IconExternal } from "../../components/icons.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { PageSkeleton, QueryError } from "../../components/states.tsx";
import { useFormat } from "../../session/session.tsx";
import { AlertTimeline } from "./AlertTimeline.tsx";
import { MeterChart, VolumeChart } from "./DeviceCharts.tsx";
import { alertKindLabel, statusColors, statusLabel } from "./labels.ts";
import { SupplyList } from "./SupplyList.tsx";

export function deviceTitle(
  d: Pick<DeviceDetail, "vendor" | "model" | "name" | "ip">,
  fallback: string,
): string {
  return [d.vendor, d.model].filter(Boolean).join(" ") || d.name || d.ip || fallback;
}

/** The device's own web page, only as a plain http(s) link (never a script URL from a device's data). */
export function deviceWebUrl(webUrl: string | null, ip: string | null): string | undefined {
  if (webUrl && /^https?:\/\/[^\s/]+\/?$/i.test(webUrl)) return webUrl;
  if (ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return `http://${ip}/`;
  return undefined;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={500} tt="uppercase" style={{ letterSpacing: 0.3 }}>
        {label}
      </Text>
      <Text size="sm" style={{ wordBreak: "break-word" }}>
        {children ?? "–"}
      </Text>
    </div>
  );
}

function Identity({ device }: { device: DeviceDetail }) {
  const { t } = useTranslation("devices");
  const f = useFormat();
  return (
    <Card withBorder padding="lg">
      <Title order={2} fz="h4" mb="md">
        {t("identity.title")}
      </Title>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md" verticalSpacing="sm">
        <Field label={t("identity.vendor")}>{device.vendor}</Field>
        <Field label={t("identity.model")}>{device.model}</Field>
        <Field label={t("identity.serial")}>
          <span style={{ fontFamily: "var(--mantine-font-family-monospace)" }}>{device.serial ?? "–"}</span>
          {device.duplicateSerial && (
            <Badge color="orange" variant="light" size="xs" ml={6}>
              {t("identity.duplicateSerial")}
            </Badge>
          )}
        </Field>
        <Field label={t("identity.mac")}>
          <span style={{ fontFamily: "var(--mantine-font-family-monospace)" }}>{device.mac ?? "–"}</span>
        </Field>
        <Field label={t("identity.ip")}>
          <span style={{ fontFamily: "var(--mantine-font-family-monospace)" }}>{device.ip ?? "–"}</span>
        </Field>
        <Field label={t("identity.name")}>{device.name}</Field>
        <Field label={t("identity.location")}>{device.location}</Field>
        <Field label={t("identity.locationNote")}>{device.locationNote}</Field>
        <Field label={t("identity.assetTag")}>{device.assetTag}</Field>
        <Field label={t("identity.firmware")}>{device.firmware}</Field>
        <Field label={t("identity.customer")}>{device.customer.name}</Field>
        <Field label={t("identity.site")}>{device.site.name}</Field>
        <Field label={t("identity.firstSeen")}>{f.dateTime(device.firstSeenAt)}</Field>
        <Field label={t("identity.lastSeen")}>
          {f.dateTime(device.lastSeenAt)} ({f.relative(device.lastSeenAt)})
        </Field>
      </SimpleGrid>
    </Card>
  );
}

const counterOrder = ["total", "mono", "color", "copies", "prints", "scans", "faxes"];

function Counters({ device }: { device: DeviceDetail }) {
  const { t } = useTranslation("devices");
  const f = useFormat();
  const entries = Object.entries(device.counters ?? {}).sort(
    ([a], [b]) =>
      (counterOrder.indexOf(a) + 1 || 99) - (counterOrder.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const lookup = t as unknown as (key: string, o: { defaultValue: string }) => string;
  return (
    <Card withBorder padding="lg" data-testid="device-counters">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4">
          {t("counters.title")}
        </Title>
        <Text size="xs" c="dimmed">
          {t("counters.readAt", { at: f.dateTime(device.lastReadingAt) })}
        </Text>
      </Group>
      {entries.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("counters.none")}
        </Text>
      ) : (
        <Table verticalSpacing={4}>
          <Table.Tbody>
            {entries.map(([name, value]) => (
              <Table.Tr key={name}>
                <Table.Th fw={500} scope="row">
                  {lookup(`counters.name.${name}`, { defaultValue: name })}
                </Table.Th>
                <Table.Td ta="right" ff="monospace">
                  {f.number(value)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** One device: identity, counters and their history, supplies, alerts, and a way to its own web page. */
export function DevicePage() {
  const { t } = useTranslation("devices");
  const { deviceId = "" } = useParams();
  const device = useQuery({
    queryKey: ["devices", deviceId],
    queryFn: ({ signal }) => get<DeviceDetail>(`/devices/${encodeURIComponent(deviceId)}`, undefined, signal),
  });
  if (device.isPending) return <PageSkeleton rows={12} />;
  if (device.isError) return <QueryError error={device.error} onRetry={() => void device.refetch()} />;
  const d = device.data;
  const web = deviceWebUrl(d.webUrl, d.ip);
  return (
    <>
      <PageHeader
        title={deviceTitle(d, t("unknownDevice"))}
        crumbs={[{ label: t("title"), to: "/devices" }]}
        description={
          <Group gap="xs" component="span">
            <Badge color={statusColors[d.status] ?? "gray"} variant="light">
              {statusLabel(d.status)}
            </Badge>
            {d.serial && (
              <span>
                {t("identity.serial")}: {d.serial}
              </span>
            )}
          </Group>
        }
        actions={
          web && (
            <Button
              component="a"
              href={web}
              target="_blank"
              rel="noopener noreferrer"
              variant="default"
              rightSection={<IconExternal size={16} />}
            >
              {t("openWebPage")}
            </Button>
          )
        }
      />
      {d.errors.length > 0 && (
        <Alert
          color={d.status === "error" ? "red" : "yellow"}
          variant="light"
          mb="lg"
          title={t("currentErrors")}
        >
          <Group gap="xs">
            {d.errors.map((e) => (
              <Badge key={e} color={d.status === "error" ? "red" : "yellow"} variant="outline">
                {alertKindLabel(e)}
              </Badge>
            ))}
          </Group>
        </Alert>
      )}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Identity device={d} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Counters device={d} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <VolumeChart deviceId={d.id} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <MeterChart deviceId={d.id} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <SupplyList deviceId={d.id} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <AlertTimeline deviceId={d.id} />
        </Grid.Col>
      </Grid>
      {web && (
        <Text size="xs" c="dimmed" mt="lg">
          {t("webPageHint")}{" "}
          <Anchor href={web} target="_blank" rel="noopener noreferrer" size="xs">
            {web}
          </Anchor>
        </Text>
      )}
    </>
  );
}
