import { Anchor, Badge, Button, Group, SegmentedControl, Select, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { post } from "../../api/client.ts";
import type { Alert } from "../../api/types.ts";
import { ListTable, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";
import { alertKindLabel } from "../devices/labels.ts";

const states = ["open", "closed", "all"] as const;
const severities = ["critical", "warning", "info"] as const;
const severityColor: Record<string, string> = { critical: "red", warning: "orange", info: "blue" };

function deviceLabel(d: Alert["device"]): string {
  return [d.vendor, d.model].filter(Boolean).join(" ") || d.name || d.ip || d.serial || d.id;
}

/** Alerts of the scope, filtered by state, kind, severity and customer (the dashboard links here). */
export function AlertsPage() {
  const { t } = useTranslation("devices");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const state = (states as readonly string[]).includes(params.get("state") ?? "")
    ? (params.get("state") as string)
    : "all";
  const kind = params.get("kind") ?? "";
  const severity = (severities as readonly string[]).includes(params.get("severity") ?? "")
    ? (params.get("severity") as string)
    : "";
  const customerId = params.get("customerId") ?? "";
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const query = {
    state: state === "all" ? undefined : state,
    kind: kind || undefined,
    severity: severity || undefined,
    customerId: customerId || undefined,
  };
  const alerts = usePagedList<Alert>("alerts", "/alerts", query, 100);
  const close = useMutation({
    mutationFn: (id: string) => post<Alert>(`/alerts/${id}/close`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["alerts"] }),
  });
  const canClose = session.can("service", "write");
  return (
    <>
      <PageHeader title={t("alertList.title")} />
      <Stack gap="sm" mb="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <SegmentedControl
            value={state}
            onChange={(v) => setParam("state", v === "all" ? "" : v)}
            data={states.map((s) => ({ value: s, label: t(`alertList.state.${s}`) }))}
            aria-label={t("alertList.stateFilter")}
          />
          <Select
            aria-label={t("alertList.severity")}
            placeholder={t("alertList.anySeverity")}
            data={severities.map((s) => ({
              value: s,
              label: (tc as unknown as (k: string) => string)(`severity.${s}`),
            }))}
            value={severity || null}
            onChange={(v) => setParam("severity", v ?? "")}
            clearable
            w={180}
          />
          {kind && (
            <Badge
              variant="light"
              color="orange"
              size="lg"
              rightSection={
                <Anchor
                  component="button"
                  type="button"
                  size="xs"
                  onClick={() => setParam("kind", "")}
                  aria-label={tc("action.clearFilters")}
                >
                  ✕
                </Anchor>
              }
            >
              {alertKindLabel(kind)}
            </Badge>
          )}
        </Group>
      </Stack>
      <MutationError error={close.error} />
      <ListTable
        list={alerts}
        empty={t("alertList.empty")}
        minWidth={860}
        head={
          <>
            <Table.Th>{t("alertList.opened")}</Table.Th>
            <Table.Th>{t("alertList.kind")}</Table.Th>
            <Table.Th>{t("alertList.device")}</Table.Th>
            <Table.Th>{t("column.place")}</Table.Th>
            <Table.Th>{t("alertList.closed")}</Table.Th>
            {canClose && <Table.Th />}
          </>
        }
        row={(a) => (
          <Table.Tr key={a.id}>
            <Table.Td>
              <Text size="sm">{f.dateTime(a.openedAt)}</Text>
              <Text size="xs" c="dimmed">
                {f.relative(a.openedAt)}
              </Text>
            </Table.Td>
            <Table.Td>
              <Group gap={6} wrap="nowrap">
                <Badge
                  size="xs"
                  color={severityColor[a.severity]}
                  variant={a.closedAt ? "outline" : "filled"}
                >
                  {(tc as unknown as (k: string) => string)(`severity.${a.severity}`)}
                </Badge>
                <Text size="sm">{alertKindLabel(a.kind)}</Text>
              </Group>
              {a.message && (
                <Text size="xs" c="dimmed">
                  {a.message}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/devices/${a.deviceId}`} size="sm">
                {deviceLabel(a.device)}
              </Anchor>
              <Text size="xs" c="dimmed" ff="monospace">
                {a.device.serial ?? a.device.ip ?? ""}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{a.customer.name}</Text>
              <Text size="xs" c="dimmed">
                {a.site.name}
              </Text>
            </Table.Td>
            <Table.Td>{a.closedAt ? f.dateTime(a.closedAt) : "–"}</Table.Td>
            {canClose && (
              <Table.Td ta="right">
                {!a.closedAt && (
                  <Button
                    size="xs"
                    variant="subtle"
                    loading={close.isPending && close.variables === a.id}
                    onClick={() => close.mutate(a.id)}
                  >
                    {t("alertList.close")}
                  </Button>
                )}
              </Table.Td>
            )}
          </Table.Tr>
        )}
      />
    </>
  );
}
