import { Alert, Button, Center, Group, Loader, Skeleton, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client.ts";

export function FullPageLoader() {
  const { t } = useTranslation();
  return (
    <Center h="100vh" role="status" aria-live="polite">
      <Loader aria-label={t("state.loading")} />
    </Center>
  );
}

/** Placeholder rows while a page's data loads; announced to screen readers once. */
export function PageSkeleton({ rows = 6 }: { rows?: number }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" role="status" aria-label={t("state.loading")}>
      <Skeleton height={28} width="40%" />
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <Skeleton key={i} height={20} />
      ))}
    </Stack>
  );
}

function errorText(
  error: unknown,
  t: (key: "error.notFound" | "error.forbidden" | "error.network" | "error.server") => string,
) {
  if (error instanceof ApiError) {
    if (error.status === 404) return t("error.notFound");
    if (error.status === 403) return t("error.forbidden");
    if (error.status === 0) return t("error.network");
    if (error.status >= 500) return t("error.server");
    return error.message;
  }
  return (error as Error | undefined)?.message ?? t("error.server");
}

/** A failed load: what went wrong in words, and a way to try again. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" title={t("error.title")} role="alert" variant="light">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{errorText(error, t)}</Text>
        {onRetry && (
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            {t("action.retry")}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

/** A failed write inside a form (shown above the buttons). */
export function MutationError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" role="alert" variant="light" p="xs">
      <Text size="sm">{errorText(error, t)}</Text>
    </Alert>
  );
}

export function EmptyState({ children }: { children: React.ReactNode }) {
  return (
    <Group justify="center" py="xl">
      <Text c="dimmed">{children}</Text>
    </Group>
  );
}

export function InlineLoader() {
  const { t } = useTranslation();
  return (
    <Center py="md" role="status">
      <Loader size="sm" aria-label={t("state.loading")} />
    </Center>
  );
}
