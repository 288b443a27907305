import { Button, Code, Group, Popover, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { AuditEntry } from "../../api/types.ts";
import { ListTable, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { zonedDayStart } from "../../format/intl.ts";
import { useFormat } from "../../session/session.tsx";

const actionPattern = /^[a-z0-9.-]+(\.\*)?$/;

/** Who did what, when (admins). Filter by action (`auth.*`) and by day range in the user's zone. */
export function AuditPage() {
  const { t } = useTranslation("audit");
  const f = useFormat();
  const [action, setAction] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [debouncedAction] = useDebouncedValue(action.trim(), 400);
  const actionValid = !debouncedAction || actionPattern.test(debouncedAction);
  const toExclusive = to
    ? zonedDayStart(
        new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10),
        f.timeZone,
      )
    : undefined;
  const list = usePagedList<AuditEntry>(
    "audit",
    "/audit",
    {
      action: actionValid && debouncedAction ? debouncedAction : undefined,
      from: from ? zonedDayStart(from, f.timeZone) : undefined,
      to: toExclusive,
    },
    100,
  );
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <Group mb="md" align="flex-start">
        <TextInput
          label={t("filter.action")}
          placeholder="auth.*"
          value={action}
          onChange={(e) => setAction(e.currentTarget.value)}
          error={!actionValid ? t("filter.actionInvalid") : undefined}
          w={{ base: "100%", sm: 220 }}
        />
        <TextInput
          label={t("filter.from")}
          type="date"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          label={t("filter.to")}
          type="date"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
      </Group>
      <ListTable
        list={list}
        empty={t("empty")}
        minWidth={860}
        head={
          <>
            <Table.Th>{t("column.at")}</Table.Th>
            <Table.Th>{t("column.actor")}</Table.Th>
            <Table.Th>{t("column.action")}</Table.Th>
            <Table.Th>{t("column.target")}</Table.Th>
            <Table.Th>{t("column.ip")}</Table.Th>
            <Table.Th />
          </>
        }
        row={(e) => (
          <Table.Tr key={`${e.accountId}|${e.auditId}`}>
            <Table.Td style={{ whiteSpace: "nowrap" }}>{f.dateTime(e.at)}</Table.Td>
            <Table.Td>
              <Text size="sm">{e.actorEmail ?? (e.actorApiKeyId ? t("apiKey") : t("system"))}</Text>
            </Table.Td>
            <Table.Td>
              <Code>{e.action}</Code>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{e.targetType ?? "–"}</Text>
              {e.targetId && (
                <Text size="xs" c="dimmed" ff="monospace" truncate maw={220}>
                  {e.targetId}
                </Text>
              )}
            </Table.Td>
            <Table.Td ff="monospace">{e.ip ?? "–"}</Table.Td>
            <Table.Td ta="right">
              {Object.keys(e.details).length > 0 && (
                <Popover position="left" width={420} shadow="md">
                  <Popover.Target>
                    <Button size="compact-xs" variant="subtle">
                      {t("details")}
                    </Button>
                  </Popover.Target>
                  <Popover.Dropdown>
                    <Code block style={{ whiteSpace: "pre-wrap", maxHeight: 320, overflow: "auto" }}>
                      {JSON.stringify(e.details, null, 2)}
                    </Code>
                  </Popover.Dropdown>
                </Popover>
              )}
            </Table.Td>
          </Table.Tr>
        )}
      />
    </>
  );
}
