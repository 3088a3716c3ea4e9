-- Each connector keeps its inbox in a database of its own: an agency's connector never shares the hub's tables.
CREATE DATABASE careloop_hospital;
CREATE DATABASE careloop_school;
CREATE DATABASE careloop_public_safety;
CREATE DATABASE careloop_centre;
