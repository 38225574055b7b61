-- The languages a member speaks (roster's words, the best-spoken first): the notice's language.
ALTER TABLE member_directory ADD COLUMN languages text[] NOT NULL DEFAULT '{}';

-- Cases as notify knows them from case-opened: a case's later steps (accepted, transferred,
-- resolved, followed up) name only the case, so whose case it is and its category come from here.
CREATE TABLE case_directory (
    case_id               uuid PRIMARY KEY,
    member_id             uuid NOT NULL,
    origin_division_code  text NOT NULL,
    category              text NOT NULL,
    urgency               text NOT NULL,
    deadline              timestamptz
);

-- Notices waiting for their member (or case) to be known: events from different topics are not
-- ordered together, and a notice never goes out without a name. Work, not a read model: a row lives
-- from the hold until the member-registered (or case-opened) event renders the notice.
CREATE TABLE waiting_notifications (
    notification_id  uuid PRIMARY KEY,
    waiting_for      text NOT NULL CHECK (waiting_for IN ('member', 'case')),
    member_id        uuid,
    case_id          uuid,
    source           text NOT NULL,      -- the CloudEvent's source and id: the notification's identity
    source_event_id  uuid NOT NULL,
    source_type      text NOT NULL,
    data             jsonb NOT NULL,
    held_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX waiting_notifications_member ON waiting_notifications (member_id, held_at) WHERE member_id IS NOT NULL;
CREATE INDEX waiting_notifications_case ON waiting_notifications (case_id, held_at) WHERE case_id IS NOT NULL;

-- Notice templates, one row per saved version: the newest version of (kind, channel, language) is in
-- use. Saved over the API (each save is a template-saved event too); version 1 of each is seeded here.
CREATE TABLE notification_templates (
    kind          text NOT NULL,
    channel       text NOT NULL,
    language      text NOT NULL,
    version       integer NOT NULL CHECK (version > 0),
    title         text NOT NULL,
    body          text NOT NULL,
    placeholders  text[] NOT NULL,
    saved_by      text NOT NULL,
    saved_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, channel, language, version)
);

-- The default notices, in Chinese. Wording follows the case's state: a case just opened is 待受理.
INSERT INTO notification_templates (kind, channel, language, version, title, body, placeholders, saved_by) VALUES
('welcome', 'in_app', 'zh-Hans', 1, '欢迎加入风筝家园',
 '{name}，您好！欢迎加入风筝家园。您在{city}打拼，家乡始终牵挂着您。遇到欠薪、工伤、子女就学等困难，可随时在这里提出诉求，我们会尽快为您办理。',
 '{name,city}', 'seed'),
('case-opened', 'in_app', 'zh-Hans', 1, '您的诉求（{category}）已提交，待受理',
 '{name}，您好！您的诉求（{category}）已提交，目前待受理。工作人员受理后会通知您，并在{deadline}前办结。',
 '{name,category,deadline}', 'seed'),
('case-accepted', 'in_app', 'zh-Hans', 1, '您的诉求（{category}）已受理',
 '{name}，您好！您的诉求（{category}）已受理，由专人负责办理，将在{deadline}前办结。办理进展会在这里通知您。',
 '{name,category,deadline}', 'seed'),
('case-transferred', 'in_app', 'zh-Hans', 1, '您的诉求（{category}）已转办',
 '{name}，您好！您的诉求（{category}）已转交给更合适的承办人继续办理。办理进展会在这里通知您。',
 '{name,category}', 'seed'),
('case-resolved', 'in_app', 'zh-Hans', 1, '您的诉求（{category}）已办结',
 '{name}，您好！您的诉求（{category}）已办结，办理结果：{outcome}。工作人员近期会向您回访，请留意来电。',
 '{name,category,outcome}', 'seed'),
('case-follow-up-request', 'in_app', 'zh-Hans', 1, '请对诉求（{category}）的办理结果给予反馈',
 '{name}，您好！我们就您的诉求（{category}）进行回访，但未能联系上您。请方便时联系就近的服务站，告诉我们您对办理结果是否满意。',
 '{name,category}', 'seed'),
('certificate-issued', 'in_app', 'zh-Hans', 1, '您的证明（{title}）已出具',
 '{name}，您好！{office}已为您出具电子证明“{title}”。',
 '{name,title,office}', 'seed'),
('job-matched', 'in_app', 'zh-Hans', 1, '为您推荐岗位：{job_title}（{city}）',
 '{name}，您好！根据您的技能（{skills}），为您推荐{city}的岗位“{job_title}”。如有意向，请联系就近的服务站。',
 '{name,job_title,city,skills}', 'seed');
