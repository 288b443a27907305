import { Anchor, Badge, Group, Progress, SegmentedControl, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import type { LowSupplyPage } from "../../api/types.ts";
import { ListTable, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useFormat } from "../../session/session.tsx";
import { supplyBarColor } from "../devices/labels.ts";
import { supplyName } from "../devices/SupplyList.tsx";

const horizons = ["0", "7", "14", "30"] as const;

/** Supplies low now, or (with a horizon) forecast to run out within it: what to ship next. */
export function SuppliesPage() {
  const { t } = useTranslation("devices");
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const forecastDays = (horizons as readonly string[]).includes(params.get("forecastDays") ?? "")
    ? (params.get("forecastDays") as string)
    : "0";
  const customerId = params.get("customerId") ?? "";
  const query = {
    forecastDays: forecastDays === "0" ? undefined : forecastDays,
    customerId: customerId || undefined,
  };
  const list = usePagedList<LowSupplyPage["items"][number]>("supplies", "/supplies/low", query, 200);
  return (
    <>
      <PageHeader title={t("supplyList.title")} description={t("supplyList.description")} />
      <SegmentedControl
        mb="md"
        value={forecastDays}
        onChange={(v) => {
          const next = new URLSearchParams(params);
          if (v === "0") next.delete("forecastDays");
          else next.set("forecastDays", v);
          setParams(next, { replace: true });
        }}
        data={horizons.map((h) => ({
          value: h,
          label: h === "0" ? t("supplyList.lowNow") : t("supplyList.within", { count: Number(h) }),
        }))}
        aria-label={t("supplyList.horizon")}
      />
      <ListTable
        list={list}
        empty={t("supplyList.empty")}
        minWidth={860}
        head={
          <>
            <Table.Th>{t("alertList.device")}</Table.Th>
            <Table.Th>{t("column.place")}</Table.Th>
            <Table.Th>{t("supplies.supply")}</Table.Th>
            <Table.Th w={180}>{t("supplyList.level")}</Table.Th>
            <Table.Th>{t("supplyList.runsOut")}</Table.Th>
          </>
        }
        row={(row) => {
          const level = row.supply.levelPercent;
          const device =
            [row.device.vendor, row.device.model].filter(Boolean).join(" ") ||
            row.device.name ||
            row.device.ip;
          return (
            <Table.Tr key={`${row.device.id}|${row.supply.key}`}>
              <Table.Td>
                <Anchor component={Link} to={`/devices/${row.device.id}`} size="sm">
                  {device}
                </Anchor>
                <Text size="xs" c="dimmed" ff="monospace">
                  {row.device.serial ?? ""}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{row.customer.name}</Text>
                <Text size="xs" c="dimmed">
                  {row.site.name}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{supplyName(row.supply)}</Text>
                {row.supply.partNumber && (
                  <Text size="xs" c="dimmed" ff="monospace">
                    {row.supply.partNumber}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Progress
                    value={level ?? 0}
                    color={row.supply.low ? "orange.7" : supplyBarColor(row.supply.color)}
                    style={{ flex: 1 }}
                    aria-label={`${supplyName(row.supply)}: ${level === null ? "?" : f.percent(level / 100)}`}
                  />
                  <Text size="sm" ff="monospace" w={44} ta="right">
                    {level === null ? "?" : f.percent(level / 100)}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td>
                {row.supply.forecastEmptyAt ? (
                  <>
                    <Text size="sm">{f.date(row.supply.forecastEmptyAt)}</Text>
                    {row.daysToEmpty !== null && (
                      <Text size="xs" c="dimmed">
                        {t("supplyList.inDays", { count: Math.round(row.daysToEmpty) })}
                      </Text>
                    )}
                  </>
                ) : row.supply.low ? (
                  <Badge color="orange" variant="light" size="sm">
                    {t("supplies.low")}
                  </Badge>
                ) : (
                  "–"
                )}
              </Table.Td>
            </Table.Tr>
          );
        }}
      />
    </>
  );
}
