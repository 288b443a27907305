import { Button, Card, Group, Table, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { get, type Query } from "../api/client.ts";
import type { Page } from "../api/types.ts";
import { IconSearch } from "./icons.tsx";
import { EmptyState, PageSkeleton, QueryError } from "./states.tsx";

/** A cursor-paged list of the portal, page after page on "load more". */
export function usePagedList<T>(key: string, path: string, query: Query, pageSize = 100) {
  const list = useInfiniteQuery({
    queryKey: [key, "list", query],
    queryFn: ({ pageParam, signal }) =>
      get<Page<T>>(path, { ...query, limit: pageSize, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  return { ...list, items: list.data?.pages.flatMap((p) => p.items) ?? [] };
}

/** Search box that reports its text once typing settles. */
export function SearchInput({ onSearch, label }: { onSearch: (q: string) => void; label?: string }) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text.trim(), 300);
  // biome-ignore lint/correctness/useExhaustiveDependencies: report settled text only
  useEffect(() => onSearch(debounced), [debounced]);
  return (
    <TextInput
      label={label ?? t("action.search")}
      type="search"
      leftSection={<IconSearch size={16} />}
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      w={{ base: "100%", sm: 260 }}
    />
  );
}

/** The frame of a simple list: loading, error, empty, the table, and "load more". */
export function ListTable<T>(props: {
  list: ReturnType<typeof usePagedList<T>>;
  empty: string;
  minWidth?: number;
  head: ReactNode;
  row: (item: T) => ReactNode;
}) {
  const { t } = useTranslation();
  const { list } = props;
  if (list.isPending) return <PageSkeleton />;
  if (list.isError && list.items.length === 0)
    return <QueryError error={list.error} onRetry={() => void list.refetch()} />;
  if (list.items.length === 0) return <EmptyState>{props.empty}</EmptyState>;
  return (
    <Card withBorder padding={0} style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
      <Table.ScrollContainer minWidth={props.minWidth ?? 720}>
        <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover>
          <Table.Thead>
            <Table.Tr>{props.head}</Table.Tr>
          </Table.Thead>
          <Table.Tbody>{list.items.map(props.row)}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {list.hasNextPage && (
        <Group justify="center" p="sm">
          <Button
            variant="subtle"
            loading={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {t("action.loadMore")}
          </Button>
        </Group>
      )}
    </Card>
  );
}
