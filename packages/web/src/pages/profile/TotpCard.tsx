import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { post } from "../../api/client.ts";
import type { Me, TotpSetup } from "../../api/types.ts";
import { MutationError } from "../../components/states.tsx";
import { meQuery } from "../../session/session.tsx";

/** Groups a base32 secret in fours so it can be typed without losing one's place. */
export const groupSecret = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

function CopyField({ label, value, display }: { label: string; value: string; display?: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <Code block style={{ flex: 1, wordBreak: "break-all", whiteSpace: "pre-wrap" }}>
          {display ?? value}
        </Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy} aria-label={`${t("action.copy")}: ${label}`}>
              {copied ? t("action.copied") : t("action.copy")}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

const sixDigits = (value: string) => value.replace(/\D/g, "").slice(0, 6);

/** The second factor: set up with a secret typed or pasted into an authenticator app, or switched off. */
export function TotpCard({ me }: { me: Me }) {
  const { t } = useTranslation("auth");
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const setup = useMutation({ mutationFn: () => post<TotpSetup>("/auth/totp/setup") });
  const enable = useMutation({
    mutationFn: () => post("/auth/totp/enable", { code }),
    onSuccess: () => {
      setup.reset();
      setCode("");
      return refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => post("/auth/totp/disable", password ? { password } : { code }),
    onSuccess: () => {
      setCode("");
      setPassword("");
      return refresh();
    },
  });

  const submitEnable = (event: FormEvent) => {
    event.preventDefault();
    if (code.length === 6) enable.mutate();
  };
  const submitDisable = (event: FormEvent) => {
    event.preventDefault();
    if (password || code.length === 6) disable.mutate();
  };

  return (
    <Card withBorder padding="lg">
      <Stack>
        <Group justify="space-between">
          <Title order={2} fz="h4">
            {t("totpSetup.title")}
          </Title>
          <Badge color={me.totpEnabled ? "green" : "gray"} variant="light">
            {me.totpEnabled ? t("totpSetup.on") : t("totpSetup.off")}
          </Badge>
        </Group>
        {me.totpEnabled ? (
          <form onSubmit={submitDisable} noValidate>
            <Stack>
              <Text size="sm" c="dimmed">
                {t("totpSetup.disableHint")}
              </Text>
              <PasswordInput
                label={t("password.current")}
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <MutationError error={disable.error} />
              <Group>
                <Button
                  type="submit"
                  color="red"
                  variant="light"
                  loading={disable.isPending}
                  disabled={!password}
                >
                  {t("totpSetup.disable")}
                </Button>
              </Group>
            </Stack>
          </form>
        ) : setup.data ? (
          <form onSubmit={submitEnable} noValidate>
            <Stack>
              <Text size="sm">{t("totpSetup.steps")}</Text>
              <CopyField
                label={t("totpSetup.secret")}
                value={setup.data.secret}
                display={groupSecret(setup.data.secret)}
              />
              <CopyField label={t("totpSetup.uri")} value={setup.data.uri} />
              <TextInput
                label={t("totp.code")}
                value={code}
                onChange={(e) => setCode(sixDigits(e.currentTarget.value))}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                required
              />
              <MutationError error={enable.error} />
              <Group>
                <Button type="submit" loading={enable.isPending} disabled={code.length !== 6}>
                  {t("totpSetup.enable")}
                </Button>
                <Button variant="subtle" onClick={() => setup.reset()}>
                  {t("action.cancel", { ns: "common" })}
                </Button>
              </Group>
            </Stack>
          </form>
        ) : (
          <Stack>
            <Text size="sm" c="dimmed">
              {t("totpSetup.intro")}
            </Text>
            {enable.isSuccess && (
              <Alert color="green" variant="light" role="status" p="xs">
                {t("totpSetup.enabled")}
              </Alert>
            )}
            <MutationError error={setup.error} />
            <Group>
              <Button onClick={() => setup.mutate()} loading={setup.isPending}>
                {t("totpSetup.start")}
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
