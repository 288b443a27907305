import { Alert, Button, Code, CopyButton, Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** A password the portal generated: shown this once, to pass on to the new user. */
export function GeneratedPassword({
  email,
  password,
  onDone,
}: {
  email: string;
  password: string;
  onDone: () => void;
}) {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  return (
    <Stack>
      <Alert color="yellow" variant="light">
        {t("users.generatedOnce", { email })}
      </Alert>
      <Group wrap="nowrap">
        <Code block style={{ flex: 1 }}>
          {password}
        </Code>
        <CopyButton value={password}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? tc("action.copied") : tc("action.copy")}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Text size="xs" c="dimmed">
        {t("users.generatedHint")}
      </Text>
      <Group justify="flex-end">
        <Button onClick={onDone}>{tc("action.close")}</Button>
      </Group>
    </Stack>
  );
}
