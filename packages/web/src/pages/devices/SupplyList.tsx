import { Sparkline } from "@mantine/charts";
import { Badge, Card, Group, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { get } from "../../api/client.ts";
import type { DeviceSupplies, Supply } from "../../api/types.ts";
import { InlineLoader, QueryError } from "../../components/states.tsx";
import { useFormat } from "../../session/session.tsx";
import { supplyBarColor, supplyColorLabel, supplyTypeLabel } from "./labels.ts";

export function supplyName(s: Pick<Supply, "description" | "type" | "color">): string {
  return s.description || [supplyTypeLabel(s.type), supplyColorLabel(s.color)].filter(Boolean).join(" ");
}

/** Supplies with level bars, the level over 90 days, the forecast, and the replacements seen. */
export function SupplyList({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation("devices");
  const f = useFormat();
  const supplies = useQuery({
    queryKey: ["devices", deviceId, "supplies"],
    queryFn: ({ signal }) => get<DeviceSupplies>(`/devices/${deviceId}/supplies`, { days: 90 }, signal),
  });
  const items = supplies.data?.items ?? [];
  const changes = items
    .flatMap((s) => s.changes.map((c) => ({ ...c, supply: supplyName(s), key: `${s.key}|${c.changedAt}` })))
    .sort((a, b) => b.changedAt.localeCompare(a.changedAt))
    .slice(0, 20);
  const percent = (value: number | null) => (value === null ? "–" : f.percent(value / 100));
  return (
    <Card withBorder padding="lg" h="100%" data-testid="device-supplies">
      <Title order={2} fz="h4" mb="md">
        {t("supplies.title")}
      </Title>
      {supplies.isPending ? (
        <InlineLoader />
      ) : supplies.isError ? (
        <QueryError error={supplies.error} onRetry={() => void supplies.refetch()} />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("supplies.none")}
        </Text>
      ) : (
        <Stack gap="md">
          {items.map((s) => {
            const level = s.levelPercent;
            const name = supplyName(s);
            const history = s.history.map((h) => h.levelPercent ?? 0);
            return (
              <Stack key={s.key} gap={4}>
                <Group justify="space-between" wrap="nowrap">
                  <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
                    <Text size="sm" fw={500} truncate>
                      {name}
                    </Text>
                    {s.partNumber && (
                      <Text size="xs" c="dimmed" ff="monospace">
                        {s.partNumber}
                      </Text>
                    )}
                  </Group>
                  <Group gap={6} wrap="nowrap">
                    {s.low && (
                      <Badge color="orange" variant="light" size="xs">
                        {t("supplies.low")}
                      </Badge>
                    )}
                    <Text size="sm" ff="monospace" w={48} ta="right">
                      {level === null ? "?" : percent(level)}
                    </Text>
                  </Group>
                </Group>
                <Progress
                  value={level ?? 0}
                  color={s.low ? "orange.7" : supplyBarColor(s.color)}
                  size="md"
                  aria-label={`${name}: ${level === null ? t("supplies.unknownLevel") : percent(level)}`}
                  striped={level === null}
                />
                <Group justify="space-between" wrap="nowrap" gap="md">
                  <Text size="xs" c="dimmed">
                    {s.forecastEmptyAt
                      ? t("supplies.forecast", { at: f.date(s.forecastEmptyAt) })
                      : t("supplies.readAt", { at: f.relative(s.lastReadAt) })}
                  </Text>
                  {history.length > 1 && (
                    <Sparkline
                      w={120}
                      h={24}
                      data={history}
                      curveType="linear"
                      color={s.low ? "orange.7" : "gray.6"}
                      fillOpacity={0.2}
                      strokeWidth={1.5}
                      aria-label={t("supplies.history", { name })}
                      role="img"
                    />
                  )}
                </Group>
              </Stack>
            );
          })}
          <div>
            <Title order={3} fz="h5" mt="sm" mb="xs">
              {t("supplies.replacements")}
            </Title>
            {changes.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("supplies.noReplacements")}
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={420}>
                <Table verticalSpacing={4} fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("supplies.changedAt")}</Table.Th>
                      <Table.Th>{t("supplies.supply")}</Table.Th>
                      <Table.Th ta="right">{t("supplies.levelBefore")}</Table.Th>
                      <Table.Th ta="right">{t("supplies.levelAfter")}</Table.Th>
                      <Table.Th ta="right">{t("supplies.yield")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {changes.map((c) => (
                      <Table.Tr key={c.key}>
                        <Table.Td>{f.date(c.changedAt)}</Table.Td>
                        <Table.Td>{c.supply}</Table.Td>
                        <Table.Td ta="right">{percent(c.levelBefore)}</Table.Td>
                        <Table.Td ta="right">{percent(c.levelAfter)}</Table.Td>
                        <Table.Td ta="right">{f.number(c.pagesSincePrevious)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </div>
        </Stack>
      )}
    </Card>
  );
}
