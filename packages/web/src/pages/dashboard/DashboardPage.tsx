import {
  Anchor,
  Card,
  Group,
  Progress,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { get } from "../../api/client.ts";
import type { Customer, DashboardSummary, Page } from "../../api/types.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { QueryError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";
import { alertKindLabel } from "../devices/labels.ts";

function StatCard(props: {
  label: string;
  value: string;
  /** data-testid of the figure (end-to-end tests compare it with the database). */
  testId: string;
  to?: string | undefined;
  color?: string;
  hint?: ReactNode;
}) {
  const body = (
    <Stack gap={4}>
      <Text size="sm" c="dimmed" fw={500}>
        {props.label}
      </Text>
      <Text fz={30} fw={700} lh={1.1} c={props.color} data-testid={props.testId}>
        {props.value}
      </Text>
      {props.hint && (
        <Text size="xs" c="dimmed">
          {props.hint}
        </Text>
      )}
    </Stack>
  );
  return props.to ? (
    <Card
      withBorder
      padding="md"
      component={Link}
      to={props.to}
      className="dp-row-link"
      aria-label={`${props.label}: ${props.value}`}
    >
      {body}
    </Card>
  ) : (
    <Card withBorder padding="md">
      {body}
    </Card>
  );
}

function VolumeBars({ data }: { data: DashboardSummary["volumes"] }) {
  const { t } = useTranslation("dashboard");
  const f = useFormat();
  const rows = [
    {
      key: "mono",
      label: t("volume.mono"),
      color: "dark.5",
      now: data.thisMonth.mono,
      before: data.lastMonth.mono,
    },
    {
      key: "color",
      label: t("volume.color"),
      color: "brand.6",
      now: data.thisMonth.color,
      before: data.lastMonth.color,
    },
  ];
  const max = Math.max(1, ...rows.flatMap((r) => [r.now, r.before]));
  const change = (now: number, before: number) =>
    before > 0
      ? f.number((now - before) / before, {
          style: "percent",
          signDisplay: "exceptZero",
          maximumFractionDigits: 0,
        })
      : "–";
  return (
    <Stack gap="md">
      {rows.map((r) => (
        <Stack key={r.key} gap={6}>
          <Group justify="space-between">
            <Text fw={600} size="sm">
              {r.label}
            </Text>
            <Text size="sm" c="dimmed">
              {t("volume.change", { change: change(r.now, r.before) })}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="xs" w={90} c="dimmed">
              {t("volume.thisMonth")}
            </Text>
            <Progress
              value={(r.now / max) * 100}
              color={r.color}
              size="lg"
              style={{ flex: 1 }}
              aria-label={`${r.label} ${t("volume.thisMonth")}`}
            />
            <Text size="sm" w={90} ta="right" ff="monospace">
              {f.number(r.now)}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="xs" w={90} c="dimmed">
              {t("volume.lastMonth")}
            </Text>
            <Progress
              value={(r.before / max) * 100}
              color="gray.5"
              size="lg"
              style={{ flex: 1 }}
              aria-label={`${r.label} ${t("volume.lastMonth")}`}
            />
            <Text size="sm" w={90} ta="right" ff="monospace">
              {f.number(r.before)}
            </Text>
          </Group>
        </Stack>
      ))}
    </Stack>
  );
}

function DashboardSkeleton() {
  const { t } = useTranslation();
  return (
    <Stack role="status" aria-label={t("state.loading")}>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        {Array.from({ length: 6 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders
          <Skeleton key={i} height={96} />
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Skeleton height={220} />
        <Skeleton height={220} />
      </SimpleGrid>
    </Stack>
  );
}

function CustomerFilter({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation();
  const customers = useQuery({
    queryKey: ["customers", "options"],
    queryFn: ({ signal }) => get<Page<Customer>>("/customers", { limit: 200, sort: "name" }, signal),
    staleTime: 5 * 60_000,
  });
  return (
    <Select
      aria-label={t("field.customer")}
      placeholder={t("field.allCustomers")}
      data={(customers.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
      value={value || null}
      onChange={(v) => onChange(v ?? "")}
      searchable
      clearable
      w={240}
    />
  );
}

/** What needs attention in the user's scope, every number a link to the list behind it. */
export function DashboardPage() {
  const { t } = useTranslation("dashboard");
  const session = useSession();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const customerId = params.get("customerId") ?? "";
  const summary = useQuery({
    queryKey: ["dashboard", customerId],
    queryFn: ({ signal }) =>
      get<DashboardSummary>("/dashboard", { customerId: customerId || undefined }, signal),
    refetchInterval: 60_000,
  });
  const showCollectors = session.can("collectors");
  const showCustomerFilter = session.scopeKind !== "customer" && session.can("tenants");
  const scoped = (path: string, query: Record<string, string> = {}) => {
    const search = new URLSearchParams({ ...query, ...(customerId ? { customerId } : {}) }).toString();
    return search ? `${path}?${search}` : path;
  };
  const data = summary.data;
  return (
    <>
      <PageHeader
        title={t("title")}
        description={session.scopeName}
        actions={
          showCustomerFilter && (
            <CustomerFilter
              value={customerId}
              onChange={(id) => setParams(id ? { customerId: id } : {}, { replace: true })}
            />
          )
        }
      />
      {summary.isPending ? (
        <DashboardSkeleton />
      ) : summary.isError ? (
        <QueryError error={summary.error} onRetry={() => void summary.refetch()} />
      ) : data ? (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }}>
            <StatCard
              label={t("devices.total")}
              testId="stat-devices"
              value={f.number(data.devices.total)}
              to={scoped("/devices")}
              hint={t("devices.byStatus", {
                error: f.number(data.devices.byStatus.error),
                warning: f.number(data.devices.byStatus.warning),
              })}
            />
            <StatCard
              label={t("devices.reporting")}
              testId="stat-reporting"
              value={f.number(data.devices.reporting)}
              to={scoped("/devices", { notReporting: "false" })}
              color="green.8"
            />
            <StatCard
              label={t("devices.notReporting")}
              testId="stat-not-reporting"
              value={f.number(data.devices.notReporting)}
              to={scoped("/devices", { notReporting: "true" })}
              color={data.devices.notReporting > 0 ? "red.8" : undefined}
            />
            <StatCard
              label={t("alerts.open")}
              testId="stat-alerts-open"
              value={f.number(data.alerts.open)}
              to={
                session.can("service")
                  ? scoped("/alerts", { state: "open" })
                  : scoped("/devices", { hasAlerts: "true" })
              }
              color={data.alerts.open > 0 ? "orange.8" : undefined}
            />
            <StatCard
              label={t("supplies.low")}
              testId="stat-supplies-low"
              value={f.number(data.supplies.low)}
              to={session.can("supplies") ? scoped("/supplies") : scoped("/devices", { lowSupplies: "true" })}
              color={data.supplies.low > 0 ? "orange.8" : undefined}
            />
            <StatCard
              label={t("supplies.forecastTitle", { count: data.supplies.forecastDays })}
              testId="stat-supplies-forecast"
              value={f.number(data.supplies.forecastEmpty)}
              to={
                session.can("supplies")
                  ? scoped("/supplies", { forecastDays: String(data.supplies.forecastDays) })
                  : undefined
              }
              color={data.supplies.forecastEmpty > 0 ? "yellow.9" : undefined}
            />
            {showCollectors && (
              <StatCard
                label={t("collectors.offline")}
                testId="stat-collectors-offline"
                value={f.number(data.collectors.offline)}
                to="/collectors?health=offline"
                color={data.collectors.offline > 0 ? "red.8" : undefined}
                hint={t("collectors.ofTotal", { total: f.number(data.collectors.total) })}
              />
            )}
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <Card withBorder padding="lg">
              <Title order={2} fz="h4" mb="sm">
                {t("alerts.byKind")}
              </Title>
              {data.alerts.byKind.length === 0 ? (
                <Text c="dimmed" size="sm">
                  {t("alerts.none")}
                </Text>
              ) : (
                <Table verticalSpacing={6} highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("alerts.kind")}</Table.Th>
                      <Table.Th ta="right">{t("alerts.count")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.alerts.byKind.map((row) => (
                      <Table.Tr key={row.kind}>
                        <Table.Td>
                          <Anchor
                            component={Link}
                            to={scoped("/alerts", { state: "open", kind: row.kind })}
                            size="sm"
                          >
                            {alertKindLabel(row.kind)}
                          </Anchor>
                        </Table.Td>
                        <Table.Td ta="right" ff="monospace">
                          {f.number(row.count)}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
            <Card withBorder padding="lg">
              <Title order={2} fz="h4" mb="sm">
                {t("volume.title")}
              </Title>
              <VolumeBars data={data.volumes} />
              <Text size="xs" c="dimmed" mt="md">
                {t("generatedAt", { at: f.dateTime(data.generatedAt) })}
              </Text>
            </Card>
          </SimpleGrid>
        </Stack>
      ) : null}
    </>
  );
}
