import { Badge, Button, Card, Group, Text, Timeline, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { get } from "../../api/client.ts";
import type { AlertPage } from "../../api/types.ts";
import { InlineLoader, QueryError } from "../../components/states.tsx";
import { useFormat } from "../../session/session.tsx";
import { alertKindLabel } from "./labels.ts";

const severityColor: Record<string, string> = { critical: "red", warning: "orange", info: "blue" };

/** The device's alerts, newest first: open ones highlighted, closed ones with how long they lasted. */
export function AlertTimeline({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation("devices");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const alerts = useInfiniteQuery({
    queryKey: ["alerts", { deviceId }],
    queryFn: ({ pageParam, signal }) =>
      get<AlertPage>("/alerts", { deviceId, limit: 25, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = alerts.data?.pages.flatMap((p) => p.items) ?? [];
  const severity = (s: string) =>
    (tc as unknown as (k: string, o: { defaultValue: string }) => string)(`severity.${s}`, {
      defaultValue: s,
    });
  return (
    <Card withBorder padding="lg" h="100%">
      <Title order={2} fz="h4" mb="md">
        {t("alerts.title")}
      </Title>
      {alerts.isPending ? (
        <InlineLoader />
      ) : alerts.isError ? (
        <QueryError error={alerts.error} onRetry={() => void alerts.refetch()} />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("alerts.none")}
        </Text>
      ) : (
        <>
          <Timeline bulletSize={14} lineWidth={2} active={items.length - 1}>
            {items.map((a) => (
              <Timeline.Item
                key={a.id}
                color={a.closedAt ? "gray" : (severityColor[a.severity] ?? "gray")}
                title={
                  <Group gap={6}>
                    <Text size="sm" fw={600}>
                      {alertKindLabel(a.kind)}
                    </Text>
                    <Badge
                      size="xs"
                      variant={a.closedAt ? "outline" : "light"}
                      color={a.closedAt ? "gray" : severityColor[a.severity]}
                    >
                      {a.closedAt ? t("alerts.closed") : severity(a.severity)}
                    </Badge>
                  </Group>
                }
              >
                {a.message && (
                  <Text size="xs" c="dimmed">
                    {a.message}
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {a.closedAt
                    ? t("alerts.fromTo", { from: f.dateTime(a.openedAt), to: f.dateTime(a.closedAt) })
                    : t("alerts.since", { from: f.dateTime(a.openedAt) })}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
          {alerts.hasNextPage && (
            <Button
              variant="subtle"
              size="xs"
              mt="sm"
              loading={alerts.isFetchingNextPage}
              onClick={() => void alerts.fetchNextPage()}
            >
              {tc("action.loadMore")}
            </Button>
          )}
        </>
      )}
    </Card>
  );
}
