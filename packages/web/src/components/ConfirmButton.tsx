import { Button, type ButtonProps, Group, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A destructive action behind a confirmation dialog (keyboard and screen-reader friendly, unlike confirm()). */
export function ConfirmButton(
  props: ButtonProps & {
    title: string;
    message: ReactNode;
    confirmLabel: string;
    onConfirm: () => void;
    children: ReactNode;
  },
) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  const { title, message, confirmLabel, onConfirm, children, ...button } = props;
  return (
    <>
      <Button color="red" {...button} onClick={open}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              {t("action.cancel")}
            </Button>
            <Button
              color="red"
              onClick={() => {
                close();
                onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
