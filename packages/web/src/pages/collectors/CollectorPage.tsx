import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Grid,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { get, patch, post } from "../../api/client.ts";
import type { Collector, EffectiveSettings } from "../../api/types.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { InlineLoader, MutationError, PageSkeleton, QueryError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";
import { useNames } from "./CollectorListPage.tsx";
import { healthColors, healthOf } from "./health.ts";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={500} tt="uppercase">
        {label}
      </Text>
      <Text size="sm">{children ?? "–"}</Text>
    </div>
  );
}

function Rename({ collector }: { collector: Collector }) {
  const { t } = useTranslation("collectors");
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(collector.name);
  const rename = useMutation({
    mutationFn: () => patch<Collector>(`/collectors/${collector.id}`, { name: name.trim() }),
    onSuccess: (updated) => {
      queryClient.setQueryData(["collectors", collector.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["collectors", "list"] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) rename.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Group align="flex-end" gap="xs">
        <TextInput
          label={t("detail.name")}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={!name.trim() ? tc("error.required") : undefined}
          maxLength={200}
          style={{ flex: 1 }}
        />
        <Button
          type="submit"
          variant="light"
          loading={rename.isPending}
          disabled={name.trim() === collector.name}
        >
          {tc("action.save")}
        </Button>
      </Group>
      <MutationError error={rename.error} />
    </form>
  );
}

const sourceColors: Record<string, string> = {
  default: "gray",
  account: "blue",
  customer: "grape",
  site: "teal",
  collector: "orange",
};

function Effective({ collectorId }: { collectorId: string }) {
  const { t } = useTranslation("collectors");
  const f = useFormat();
  const effective = useQuery({
    queryKey: ["collectors", collectorId, "effective-settings"],
    queryFn: ({ signal }) =>
      get<EffectiveSettings>(`/collectors/${collectorId}/effective-settings`, undefined, signal),
  });
  if (effective.isPending) return <InlineLoader />;
  if (effective.isError)
    return <QueryError error={effective.error} onRetry={() => void effective.refetch()} />;
  const { settings, sources, delivered } = effective.data;
  const source = (key: string) => {
    const s = sources[key] ?? "default";
    return (
      <Badge size="xs" variant="light" color={sourceColors[s] ?? "gray"}>
        {t(`level.${s}` as "level.default")}
      </Badge>
    );
  };
  const rows: [string, ReactNode][] = [
    ["targets", settings.targets.length ? settings.targets.join(", ") : t("effective.noTargets")],
    ["exclusions", settings.exclusions.join(", ") || "–"],
    ["communities", settings.communities.length ? settings.communities.join(", ") : "–"],
    ["v3Users", settings.v3Users.map((u) => u.name).join(", ") || "–"],
    ["discoveryIntervalMinutes", t("minutes", { count: settings.discoveryIntervalMinutes })],
    ["refreshIntervalMinutes", t("minutes", { count: settings.refreshIntervalMinutes })],
    ["snmp", `${f.number(settings.snmp.timeoutMs)} ms × ${settings.snmp.retries + 1}`],
    ["ping", settings.ping.enabled ? `${f.number(settings.ping.timeoutMs)} ms` : t("effective.off")],
    ["concurrency", f.number(settings.concurrency)],
    ["packetsPerSecond", f.number(settings.packetsPerSecond)],
    ["maxAddresses", f.number(settings.maxAddresses)],
  ];
  return (
    <Stack gap="xs">
      <Badge color={delivered ? "green" : "yellow"} variant="light">
        {delivered ? t("effective.delivered") : t("effective.pending")}
      </Badge>
      <Table verticalSpacing={4} fz="sm">
        <Table.Tbody>
          {rows.map(([key, value]) => (
            <Table.Tr key={key}>
              <Table.Th scope="row" fw={500} w="40%">
                {t(`field.${key}` as "field.targets")}
              </Table.Th>
              <Table.Td style={{ wordBreak: "break-word" }}>{value}</Table.Td>
              <Table.Td ta="right">{source(key)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed">
        {t("effective.knownDevices", { count: settings.knownDevices.length })}
      </Text>
    </Stack>
  );
}

/** One collector: health, what it reported, the settings it runs with, rename and revoke. */
export function CollectorPage() {
  const { t } = useTranslation("collectors");
  const { collectorId = "" } = useParams();
  const f = useFormat();
  const session = useSession();
  const names = useNames();
  const queryClient = useQueryClient();
  const canWrite = session.can("collectors", "write");
  const collector = useQuery({
    queryKey: ["collectors", collectorId],
    queryFn: ({ signal }) =>
      get<Collector>(`/collectors/${encodeURIComponent(collectorId)}`, undefined, signal),
  });
  const revoke = useMutation({
    mutationFn: () => post<Collector>(`/collectors/${collectorId}/revoke`),
    onSuccess: (updated) => {
      queryClient.setQueryData(["collectors", collectorId], updated);
      void queryClient.invalidateQueries({ queryKey: ["collectors", "list"] });
      void queryClient.invalidateQueries({ queryKey: ["enrolment-tokens"] });
    },
  });
  if (collector.isPending) return <PageSkeleton rows={10} />;
  if (collector.isError)
    return <QueryError error={collector.error} onRetry={() => void collector.refetch()} />;
  const c = collector.data;
  const h = healthOf(c);
  const settingsLinks = [
    ...(session.scopeKind !== "customer"
      ? [{ level: "account", id: c.accountId, label: t("level.account") }]
      : []),
    {
      level: "customer",
      id: c.customerId,
      label: `${t("level.customer")}: ${names.customer(c.customerId) ?? ""}`,
    },
    { level: "site", id: c.siteId, label: `${t("level.site")}: ${names.site(c.siteId) ?? ""}` },
    { level: "collector", id: c.id, label: t("level.collector") },
  ];
  return (
    <>
      <PageHeader
        title={c.name || c.hostname || t("unnamed")}
        crumbs={[{ label: t("title"), to: "/collectors" }]}
        description={
          <Badge color={healthColors[h]} variant="light" component="span">
            {t(`health.${h}`)}
          </Badge>
        }
        actions={
          canWrite &&
          !c.revokedAt && (
            <ConfirmButton
              variant="light"
              loading={revoke.isPending}
              title={t("revoke.title")}
              message={t("revoke.message")}
              confirmLabel={t("revoke.confirm")}
              onConfirm={() => revoke.mutate()}
            >
              {t("revoke.button")}
            </ConfirmButton>
          )
        }
      />
      <MutationError error={revoke.error} />
      {c.revokedAt && (
        <Alert color="gray" mb="lg">
          {t("revoke.done", { at: f.dateTime(c.revokedAt) })}
        </Alert>
      )}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Card withBorder padding="lg">
            <Stack>
              <Title order={2} fz="h4">
                {t("detail.title")}
              </Title>
              {canWrite && !c.revokedAt && <Rename collector={c} />}
              <SimpleGrid cols={{ base: 1, xs: 2 }} verticalSpacing="sm">
                <Field label={t("detail.customer")}>{names.customer(c.customerId)}</Field>
                <Field label={t("detail.site")}>{names.site(c.siteId)}</Field>
                <Field label={t("detail.hostname")}>{c.hostname}</Field>
                <Field label={t("detail.os")}>{c.os}</Field>
                <Field label={t("detail.version")}>{c.version}</Field>
                <Field label={t("detail.enrolled")}>{f.dateTime(c.enrolledAt)}</Field>
                <Field label={t("detail.lastContact")}>
                  {f.dateTime(c.lastContactAt)} ({f.relative(c.lastContactAt)})
                </Field>
                <Field label={t("detail.lastDiscovery")}>{f.dateTime(c.lastDiscoveryAt)}</Field>
                <Field label={t("detail.lastRefresh")}>{f.dateTime(c.lastRefreshAt)}</Field>
                <Field label={t("detail.lastScan")}>
                  {f.dateTime(c.lastScanAt)}
                  {c.lastScanDevices !== null && ` · ${t("devices", { count: c.lastScanDevices })}`}
                </Field>
                <Field label={t("detail.queue")}>{f.number(c.queuedScans)}</Field>
                <Field label={t("detail.refreshInterval")}>
                  {t("minutes", { count: c.refreshIntervalMinutes })}
                </Field>
              </SimpleGrid>
              {c.errors.length > 0 && (
                <div>
                  <Text size="sm" fw={600} mb={4}>
                    {t("detail.errors")}
                  </Text>
                  <Code block style={{ whiteSpace: "pre-wrap" }}>
                    {c.errors.join("\n")}
                  </Code>
                </div>
              )}
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Card withBorder padding="lg">
            <Stack>
              <Title order={2} fz="h4">
                {t("effective.title")}
              </Title>
              <Effective collectorId={c.id} />
              {canWrite && (
                <div>
                  <Text size="sm" fw={600} mb={4}>
                    {t("effective.editAt")}
                  </Text>
                  <List size="sm" spacing={2}>
                    {settingsLinks.map((l) => (
                      <List.Item key={l.level}>
                        <Anchor component={Link} to={`/collector-settings/${l.level}/${l.id}`} size="sm">
                          {l.label}
                        </Anchor>
                      </List.Item>
                    ))}
                  </List>
                </div>
              )}
            </Stack>
          </Card>
        </Grid.Col>
      </Grid>
    </>
  );
}
