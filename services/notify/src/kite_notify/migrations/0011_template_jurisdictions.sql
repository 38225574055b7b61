-- Templates per place: '' is the province default (edited only by province staff); a division code
-- (a city, county, township or village) holds that place's override, edited by staff whose
-- jurisdiction covers it, and used for members whose home is under it.
ALTER TABLE notification_templates ADD COLUMN division_code text NOT NULL DEFAULT '';
ALTER TABLE notification_templates DROP CONSTRAINT notification_templates_pkey;
ALTER TABLE notification_templates ADD PRIMARY KEY (kind, channel, language, division_code, version);
