import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { get, post } from "../../api/client.ts";
import type { Customer, EnrolmentTokenCreated, Page, Site } from "../../api/types.ts";
import { MutationError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";

function CommandBlock({ label, command }: { label: string; command: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <CopyButton value={command}>
          {({ copied, copy }) => (
            <Button
              size="xs"
              variant={copied ? "filled" : "light"}
              color={copied ? "green" : undefined}
              onClick={copy}
            >
              {copied ? t("action.copied") : t("action.copy")}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
        {command}
      </Code>
    </Stack>
  );
}

/** Enrolment: pick the site, create a token, copy the one-line install command (shown once). */
export function EnrolModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation("collectors");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const [siteId, setSiteId] = useState<string | null>(null);
  const [days, setDays] = useState<number | string>(7);
  const [touched, setTouched] = useState(false);
  const sites = useQuery({
    queryKey: ["sites", "options", "all"],
    queryFn: ({ signal }) => get<Page<Site>>("/sites", { limit: 200, sort: "name" }, signal),
    enabled: opened,
  });
  const customers = useQuery({
    queryKey: ["customers", "options"],
    queryFn: ({ signal }) => get<Page<Customer>>("/customers", { limit: 200, sort: "name" }, signal),
    enabled: opened && session.scopeKind !== "customer",
  });
  const customerName = new Map((customers.data?.items ?? []).map((c) => [c.id, c.name]));
  const create = useMutation({
    mutationFn: () =>
      post<EnrolmentTokenCreated>(`/sites/${siteId}/enrolment-tokens`, { expiresInDays: Number(days) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["enrolment-tokens"] }),
  });
  const daysValid = Number.isInteger(Number(days)) && Number(days) >= 1 && Number(days) <= 30;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (siteId && daysValid) create.mutate();
  };
  const close = () => {
    create.reset();
    setSiteId(null);
    setTouched(false);
    onClose();
  };
  const created = create.data;
  return (
    <Modal opened={opened} onClose={close} title={t("enrol.title")} size="lg">
      {created ? (
        <Stack>
          <Alert color="yellow" variant="light">
            {t("enrol.shownOnce", { at: f.dateTime(created.expiresAt) })}
          </Alert>
          <CommandBlock label={t("enrol.installCommand")} command={created.installCommand} />
          <CommandBlock label={t("enrol.bundleCommand")} command={created.bundleCommand} />
          <CommandBlock label={t("enrol.token")} command={created.token} />
          <Group justify="flex-end">
            <Button onClick={close}>{tc("action.close")}</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">
              {t("enrol.intro")}
            </Text>
            <Select
              label={t("enrol.site")}
              placeholder={t("enrol.pickSite")}
              data={(sites.data?.items ?? []).map((s) => ({
                value: s.id,
                label: customerName.get(s.customerId)
                  ? `${s.name} (${customerName.get(s.customerId)})`
                  : s.name,
              }))}
              value={siteId}
              onChange={setSiteId}
              searchable
              required
              nothingFoundMessage={sites.isPending ? tc("state.loading") : t("enrol.noSites")}
              error={touched && !siteId ? tc("error.required") : undefined}
              data-autofocus
            />
            <NumberInput
              label={t("enrol.expiresInDays")}
              description={t("enrol.expiresHint")}
              value={days}
              onChange={setDays}
              min={1}
              max={30}
              allowDecimal={false}
              error={touched && !daysValid ? t("enrol.daysRange") : undefined}
              w={200}
            />
            <MutationError error={create.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {tc("action.cancel")}
              </Button>
              <Button type="submit" loading={create.isPending}>
                {t("enrol.create")}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
